package pipeline

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/config"
)

// Builder builds one image of a Dockerfile for one platform: the Dagger engine,
// or a stand-in where there is none (tests). A build is complete when Build
// returns, so that the stage lock is held for the push only.
type Builder interface {
	Build(ctx context.Context, req BuildRequest) (Built, error)
}

// BuildRequest is everything werf.yaml says about one image's build.
type BuildRequest struct {
	Image      *config.Image
	Platform   string
	ContextDir string // on disk: exactly the context the digest hashed
	Dockerfile string // relative to ContextDir
	// Inline, when set, is the Dockerfile itself (a stage of a staged image): the
	// engine puts it into the context as Dockerfile, where COPY does not see it.
	Inline    string
	Target    string            // "" is the last stage
	BuildArgs map[string]string // werf.yaml args and the dependencies' import values
	Secrets   []Secret
	SSH       string // an SSH agent socket for RUN --mount=type=ssh; "" for none
}

// Secret is a build secret, for RUN --mount=type=secret,id=ID. Its value never
// reaches a log, a label, a digest or the report.
type Secret struct {
	ID    string
	Value []byte
}

// Built is a built image, ready to be pushed.
type Built interface {
	// Push publishes the image to ref with these labels added, as one image
	// manifest (not an index).
	Push(ctx context.Context, ref name.Tag, labels map[string]string) error
}
