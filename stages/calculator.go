package stages

import (
	"context"
	"errors"
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/stages/dockerfile"
	"github.com/dagwerf/dagwerf/stages/internal/once"
)

// ErrStapelNotBuilt refuses a Stapel image until its stages are addressed here:
// package config reads Stapel documents, this calculator knows Dockerfiles only.
var ErrStapelNotBuilt = errors.New("a Stapel image: its stages are addressed by package stages/stapel, not as a Dockerfile")

// Stage is an image's stage for one platform, addressed by its content.
type Stage struct {
	Image        *config.Image
	Platform     string
	Digest       string
	Dependencies []string // what the digest hashes, for debugging
	// Inputs say where each of Dependencies came from, one for each, in order:
	// what Explain compares.
	Inputs  []dockerfile.Input
	Sources []string // every COPY/ADD source the stage takes from its context

	bc *buildcontext.Context // the context the checksums were taken of, for ExplainFiles
}

// Calculator computes the stage digests of a configuration's images. It parses
// each Dockerfile and opens each build context once; it is safe for concurrent use.
type Calculator struct {
	cfg  *config.Config
	snap *source.Snapshot

	dockerfiles once.Map[string, *dockerfile.Dockerfile]
	contexts    once.Map[*config.Image, *buildcontext.Context]
}

// NewCalculator computes digests for cfg's images over the files of snap.
func NewCalculator(cfg *config.Config, snap *source.Snapshot) *Calculator {
	return &Calculator{cfg: cfg, snap: snap}
}

// Stage addresses an image for a platform. imports gives the values of the
// dependencies the image imports from; it is asked only for the imports a
// Dockerfile ARG actually takes, and may be nil when there are none.
func (c *Calculator) Stage(ctx context.Context, img *config.Image, platform string, imports ImportSource) (*Stage, error) {
	wrap := func(err error) error {
		return fmt.Errorf("image %q (%s): %w", img.LogName(), platform, err)
	}
	if img.IsStapel() {
		return nil, wrap(ErrStapelNotBuilt)
	}
	d, err := c.dockerfile(img)
	if err != nil {
		return nil, wrap(err)
	}
	bc, err := c.context(img)
	if err != nil {
		return nil, wrap(err)
	}
	importArgs, importValue := c.imports(ctx, img, platform, imports)
	var sources []string
	inputs, err := d.DependencyInputs(ctx, dockerfile.Inputs{
		Target:       img.Target,
		Platform:     platform,
		Args:         img.Args,
		ImportArgs:   importArgs,
		Import:       importValue,
		AddHost:      img.AddHost,
		CacheVersion: img.CacheVersion,
		Checksum: func(s []string) (string, error) {
			sources = append(sources, s...)
			return bc.Checksum(ctx, s)
		},
	})
	if err != nil {
		return nil, wrap(err)
	}
	deps := dockerfile.Values(inputs)
	return &Stage{Image: img, Platform: platform, Digest: DockerfileDigest(platform, Sha256(deps...)), Dependencies: deps, Inputs: inputs, Sources: sources, bc: bc}, nil
}

// imports lists the build args the image's dependencies fill and fetches one value
// when a Dockerfile ARG asks for it.
func (c *Calculator) imports(ctx context.Context, img *config.Image, platform string, src ImportSource) ([]string, func(string) (string, error)) {
	type target struct {
		image string
		typ   config.ImportType
	}
	byArg := map[string]target{}
	var args []string
	for _, dep := range img.Dependencies {
		for _, imp := range dep.Imports {
			if _, dup := byArg[imp.TargetBuildArg]; !dup {
				args = append(args, imp.TargetBuildArg)
			}
			byArg[imp.TargetBuildArg] = target{dep.Image, imp.Type} // a later import of the same arg wins, as in werf
		}
	}
	return args, func(arg string) (string, error) {
		t := byArg[arg]
		if src == nil {
			return "", fmt.Errorf("ARG %s takes the %s of image %q, which exists only once that image's stage is stored in a registry", arg, t.typ, config.LogName(t.image))
		}
		values, err := src.ImportValues(ctx, t.image, platform)
		if err != nil {
			return "", fmt.Errorf("ARG %s takes the %s of image %q: %w", arg, t.typ, config.LogName(t.image), err)
		}
		return values.Get(t.typ), nil
	}
}

func (c *Calculator) dockerfile(img *config.Image) (*dockerfile.Dockerfile, error) {
	p := img.DockerfilePath()
	return c.dockerfiles.Get(p, func() (*dockerfile.Dockerfile, error) {
		data, err := c.cfg.ReadDockerfile(img)
		if err != nil {
			return nil, err
		}
		return dockerfile.Parse(p, data)
	})
}

// Context is an image's build context, as its digests hash it.
func (c *Calculator) Context(img *config.Image) (*buildcontext.Context, error) { return c.context(img) }

func (c *Calculator) context(img *config.Image) (*buildcontext.Context, error) {
	return c.contexts.Get(img, func() (*buildcontext.Context, error) {
		opts := []buildcontext.Option{buildcontext.WithAddFiles(img.ContextAddFiles...)}
		file, data, err := c.cfg.ReadDockerignore(img)
		if err != nil {
			return nil, err
		}
		if file != "" {
			opts = append(opts, buildcontext.WithDockerignore(file, data, img.DockerfileName()))
		}
		return buildcontext.New(c.snap, img.Context, opts...)
	})
}
