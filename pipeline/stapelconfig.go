package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// The config changes of Stapel stages that only change the image config, as
// werf's buildah backend makes them (BuildStapelStage's buildah config step):
// the labels the stage is published with are added last.

// dockerInstructionsChange is the dockerInstructions stage's change: werf.yaml
// `docker` (pkg/build/stage/stapel_docker_instructions.go PrepareImage).
// Volumes, ports, env and labels add to the base's; user, workdir, CMD,
// ENTRYPOINT and HEALTHCHECK replace it when set. A CMD or ENTRYPOINT written
// as a JSON array is exec form, anything else runs under /bin/sh -c.
func dockerInstructionsChange(d *config.Docker) (registry.ConfigChange, error) {
	cmd, err := cmdOrEntrypoint(d.Cmd)
	if err != nil {
		return nil, fmt.Errorf("docker.CMD: %w", err)
	}
	entrypoint, err := cmdOrEntrypoint(d.Entrypoint)
	if err != nil {
		return nil, fmt.Errorf("docker.ENTRYPOINT: %w", err)
	}
	health, err := healthcheck(d.HealthCheck)
	if err != nil {
		return nil, fmt.Errorf("docker.HEALTHCHECK: %w", err)
	}
	return func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
		c := &cfg.Config
		_, _ = registry.AddLabels(cfg, d.Label) // it cannot fail
		setEnv(c, d.Env)
		for _, v := range d.Volume {
			if c.Volumes == nil {
				c.Volumes = map[string]struct{}{}
			}
			c.Volumes[v] = struct{}{}
		}
		for _, p := range d.Expose {
			if c.ExposedPorts == nil {
				c.ExposedPorts = map[string]struct{}{}
			}
			c.ExposedPorts[p] = struct{}{}
		}
		if len(cmd) > 0 {
			c.Cmd = cmd
		}
		if len(entrypoint) > 0 {
			c.Entrypoint = entrypoint
		}
		if d.User != "" {
			c.User = d.User
		}
		if d.Workdir != "" {
			c.WorkingDir = d.Workdir
		}
		if health != nil {
			c.Healthcheck = health
		}
		return registry.AddLabels(cfg, labels)
	}, nil
}

// envChange is the change of a stage that sets environment variables (a
// dependencies stage's imports, targetEnv), then adds its labels.
func envChange(env map[string]string) registry.ConfigChange {
	return func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
		setEnv(&cfg.Config, env)
		return registry.AddLabels(cfg, labels)
	}
}

// setEnv sets variables as buildah does: an existing one is replaced where it
// stands, a new one appended (in name order: werf's order is a map's).
func setEnv(c *v1.Config, env map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		kv := k + "=" + env[k]
		i := slices.IndexFunc(c.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") || e == k })
		if i >= 0 {
			c.Env[i] = kv
		} else {
			c.Env = append(c.Env, kv)
		}
	}
}

// cmdOrEntrypoint is werf's CmdOrEntrypointStringToSlice: "[...]" is a JSON
// array, any other non-empty string the argument of /bin/sh -c.
func cmdOrEntrypoint(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("%q is not a JSON array of strings: %w", s, err)
		}
		return out, nil
	}
	return []string{"/bin/sh", "-c", s}, nil
}

// healthcheck reads werf.yaml's docker.HEALTHCHECK as the Dockerfile
// instruction it is written as (werf's newHealthConfigFromString).
func healthcheck(s string) (*v1.HealthConfig, error) {
	if s == "" {
		return nil, nil
	}
	res, err := parser.Parse(bytes.NewBufferString("HEALTHCHECK " + s))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "healthcheck") {
			continue
		}
		cmd, err := instructions.ParseCommand(n)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		h, ok := cmd.(*instructions.HealthCheckCommand)
		if !ok || h.Health == nil {
			break
		}
		return &v1.HealthConfig{
			Test: h.Health.Test, Interval: h.Health.Interval, Timeout: h.Health.Timeout,
			StartPeriod: h.Health.StartPeriod, Retries: h.Health.Retries,
		}, nil
	}
	return nil, fmt.Errorf("%q is not a HEALTHCHECK instruction", s)
}
