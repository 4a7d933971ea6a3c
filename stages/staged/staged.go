// Package staged addresses the images of a staged Dockerfile (werf.yaml
// `staged: true`) as werf v2 does with WERF_STAGED_DOCKERFILE_VERSION=v2 (the
// generation with an explicit FROM stage): every Dockerfile stage reachable from
// the target is a werf image, made of a FROM stage and one stage per instruction
// but ARG, each with a digest chained to the previous one.
//
// The facts this package follows, with werf's golden values, are in
// /work/notes/staged-facts.md (werf v2.77.1).
package staged

import (
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// MapOptions are what mapping a Dockerfile takes from werf.yaml.
type MapOptions struct {
	Image      string            // the werf.yaml image name
	Path       string            // the Dockerfile's path, as errors name it
	Target     string            // the target stage; "" is the last
	Platform   string            // the target platform, normalized (linux/amd64)
	Args       map[string]string // werf.yaml args
	ImportArgs []string          // the targetBuildArg of every dependency import, in werf.yaml order
}

// Image is a werf image made of one Dockerfile stage.
type Image struct {
	// Name is the werf.yaml image's name for the target stage; for the others
	// "<image>/stage/<name>", or "<image>/stage<index>" when unnamed.
	Name   string
	Target bool

	// BaseRef is the FROM operand after meta-ARG expansion for a base from a
	// registry (a dependency import such as ${BASE} stays literal until a digest
	// is computed); "" when the base is another stage.
	BaseRef string
	// BaseImage is the werf image (Name) of the stage this one is FROM; "" for a
	// registry base.
	BaseImage string

	Steps []*Step

	// Commands are every instruction of the stage as parsed, ARG included, not
	// expanded: what executing a step needs to know of the ones before it.
	Commands []instructions.Command
	// Escape is the Dockerfile's escape token (`# escape=`).
	Escape rune
	// MetaArgs are the Dockerfile's ARGs before the first FROM, as parsed (the
	// same for every image of the Dockerfile).
	MetaArgs []instructions.ArgCommand

	path string // the Dockerfile, as errors name it
	line int    // the line of the stage's FROM
}

// Step is one instruction of an Image (never ARG).
type Step struct {
	Name  string       // the keyword as written: "RUN", "Run", "COPY"
	Index int          // the instruction's position in Image.Commands
	Node  *parser.Node // as parsed: the original text, flags and heredocs
	// StageRefs maps each stage reference of the instruction (COPY --from,
	// RUN --mount from=), as written, to the werf image (Name) it names.
	StageRefs map[string]string

	cmd      instructions.Command // after the first-stage expansion (§3.3)
	env      map[string]string    // the stage's ARG/ENV values before the instruction
	security string               // RUN --security, "sandbox" when absent
}

// Inputs are what digests take from outside the Dockerfile.
type Inputs struct {
	Platform     string
	CacheVersion string // the image's cacheVersion, else werf.yaml build.cacheVersion
	// DependencyArgs are the values of every import of every dependency of the
	// werf.yaml image, by targetBuildArg, declared in the Dockerfile or not.
	DependencyArgs map[string]string
	// BaseEnv is the Env ("K=V") of the image config of the FROM stage of the
	// image whose step is addressed.
	BaseEnv []string
	// LastImageName is the full name (<repo>:<digest>-<millis>) of a werf image's
	// last stage as stored: the base of a stage-based FROM, and what COPY --from
	// and RUN --mount from= of a stage take.
	LastImageName func(image string) (string, error)
	// Context is the build context on disk, as the non-staged build exports it:
	// the sources of COPY, ADD and RUN bind mounts are hashed from there.
	Context string

	checksum contextChecksum // what hashes the sources; nil is Context on disk
}
