package stapel

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/imagespec"
)

// dockerStep is the `docker` section applied to the image config
// (pkg/build/stage/stapel_docker_instructions.go).
type dockerStep struct {
	baseStep
	docker *config.Docker
}

func (dockerStep) name() StageName { return DockerInstructions }

// dependencies: "exact-values:::" with exactValues, the volumes and exposed
// ports as written, env and labels as key/value pairs sorted by key, then cmd,
// entrypoint, workdir, user and healthcheck.
func (d dockerStep) dependencies(context.Context, *Chain, *resolved, *Stage) (string, []Input, error) {
	k := d.docker
	var parts []Input
	if k.ExactValues {
		parts = append(parts, Input{"exactValues", "exact-values:::"})
	}
	for _, v := range k.Volume {
		parts = append(parts, Input{"docker.VOLUME", v})
	}
	for _, v := range k.Expose {
		parts = append(parts, Input{"docker.EXPOSE", v})
	}
	parts = appendPairs(parts, "docker.ENV", k.Env)
	parts = appendPairs(parts, "docker.LABEL", k.Label)
	parts = append(parts,
		Input{"docker.CMD", k.Cmd},
		Input{"docker.ENTRYPOINT", k.Entrypoint},
		Input{"docker.WORKDIR", k.Workdir},
		Input{"docker.USER", k.User},
		Input{"docker.HEALTHCHECK", k.HealthCheck},
	)
	return stages.Sha256(values(parts)...), parts, nil
}

// labels: the mounts. The section's LABEL entries are part of the config
// change the builder applies, with ENV, EXPOSE and the rest.
func (dockerStep) labels(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (map[string]string, error) {
	prevLabels, err := c.labelsOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	return mountLabels(prevLabels, c.img.Stapel.Mounts), nil
}

// appendPairs is werf's mapToSortedArgs: key, value, key, value… by key.
func appendPairs(parts []Input, name string, m map[string]string) []Input {
	for _, key := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, Input{name + " key", key}, Input{name + " " + key, m[key]})
	}
	return parts
}

// imageSpecStep changes the image config after everything else, without a
// build (package stages/imagespec).
type imageSpecStep struct {
	baseStep
	spec *config.ImageSpec
}

func (imageSpecStep) name() StageName { return ImageSpec }

func (i imageSpecStep) dependencies(context.Context, *Chain, *resolved, *Stage) (string, []Input, error) {
	args := imagespec.Args(i.spec)
	parts := make([]Input, len(args))
	for n, a := range args {
		parts[n] = Input{fmt.Sprintf("imageSpec[%d]", n), a} // werf's values are positional
	}
	return imagespec.Dependencies(i.spec), parts, nil
}

// labels: none besides the content digest. werf's imageSpec stage gives the
// image the previous stage's labels, its own service labels and the spec's
// (imagespec.Apply).
func (imageSpecStep) labels(context.Context, *Chain, *resolved, *Stage) (map[string]string, error) {
	return map[string]string{}, nil
}
