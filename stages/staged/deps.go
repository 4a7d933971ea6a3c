package staged

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// dependencies lists what werf's GetDependencies of one step hashes (§4.4), after
// the second-stage expansion.
func (img *Image) dependencies(step *Step, in Inputs) ([]string, error) {
	cmd, env, err := img.expandStep(step, in)
	if err != nil {
		return nil, err
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return img.runDependencies(step, c, env, in)
	case *instructions.CopyCommand:
		return img.copyDependencies(step, c, in)
	case *instructions.AddCommand:
		return addDependencies(c, in)
	case *instructions.EnvCommand:
		var args []string
		if len(c.Env) > 0 {
			args = append(args, "Env")
			for _, kv := range c.Env {
				args = append(args, kv.Key, kv.Value)
			}
		}
		return args, nil
	case *instructions.LabelCommand:
		var args []string
		if len(c.Labels) > 0 {
			args = append(args, "Labels")
			for _, kv := range c.Labels {
				args = append(args, kv.Key, kv.Value)
			}
		}
		return args, nil
	case *instructions.ExposeCommand:
		return append([]string{"Ports"}, c.Ports...), nil
	case *instructions.VolumeCommand:
		return append([]string{"Volumes"}, c.Volumes...), nil
	case *instructions.UserCommand:
		return []string{"User", c.User}, nil
	case *instructions.WorkdirCommand:
		return []string{"Path", c.Path}, nil
	case *instructions.ShellCommand:
		return append([]string{"Shell"}, c.Shell...), nil
	case *instructions.StopSignalCommand:
		return []string{"Signal", c.Signal}, nil
	case *instructions.HealthCheckCommand:
		return healthcheckDependencies(c), nil
	case *instructions.EntrypointCommand:
		return append(append([]string{"Entrypoint"}, c.CmdLine...), "PrependShell", strconv.FormatBool(c.PrependShell)), nil
	case *instructions.CmdCommand:
		return append(append([]string{"Cmd"}, c.CmdLine...), "PrependShell", strconv.FormatBool(c.PrependShell)), nil
	case *instructions.OnbuildCommand:
		return []string{"Expression", c.Expression}, nil
	case *instructions.MaintainerCommand:
		return []string{"Maintainer", c.Maintainer}, nil
	}
	return nil, fmt.Errorf("unsupported instruction type %T", cmd)
}

// runDependencies: the env, the command line as written (never expanded, a
// heredoc's body left out), the flags and every mount; the context sources of
// bind mounts once any bind mount takes the context.
func (img *Image) runDependencies(step *Step, c *instructions.RunCommand, env map[string]string, in Inputs) ([]string, error) {
	mounts := instructions.GetMounts(c)
	for _, mnt := range mounts {
		if mnt.From == "" {
			continue
		}
		if image, ok := step.StageRefs[mnt.From]; ok {
			last, err := img.lastImageName(in, image)
			if err != nil {
				return nil, fmt.Errorf("--mount from=%s: %w", mnt.From, err)
			}
			mnt.From = last
		}
	}

	args := append([]string{"Env"}, envToSortedArr(env)...)
	args = append(args, "Command")
	args = append(args, c.CmdLine...)
	args = append(args,
		"PrependShell", strconv.FormatBool(c.PrependShell),
		"Network", instructions.GetNetwork(c),
		"Security", step.security,
	)

	usesContext := false
	if len(mounts) > 0 {
		args = append(args, "Mounts")
		for _, mnt := range mounts {
			args = append(args,
				"Type", string(mnt.Type),
				"From", mnt.From,
				"Source", mnt.Source,
				"Target", mnt.Target,
				"ReadOnly", strconv.FormatBool(mnt.ReadOnly),
				"CacheID", mnt.CacheID,
				"CacheSharing", string(mnt.CacheSharing),
				"Required", strconv.FormatBool(mnt.Required),
			)
			if mnt.Mode != nil {
				args = append(args, "Mode", strconv.FormatUint(*mnt.Mode, 10))
			}
			if mnt.UID != nil {
				args = append(args, "UID", strconv.FormatUint(*mnt.UID, 10))
			}
			if mnt.GID != nil {
				args = append(args, "GID", strconv.FormatUint(*mnt.GID, 10))
			}
			if mnt.Type == instructions.MountTypeBind && mnt.From == "" {
				usesContext = true
			}
		}
	}

	if usesContext {
		// werf's bug, kept: once one bind mount takes the context, the sources of
		// bind mounts from other stages or images are looked up in the context too.
		var paths []string
		for _, mnt := range mounts {
			if mnt.Type == instructions.MountTypeBind && mnt.Source != "" {
				paths = append(paths, mnt.Source)
			}
		}
		if len(paths) > 0 {
			sum, err := in.contextChecksum().paths(paths)
			if err != nil {
				return nil, fmt.Errorf("unable to calculate build context paths checksum: %w", err)
			}
			args = append(args, "SourcesChecksum", sum)
		}
	}
	return args, nil
}

// copyDependencies: the raw --from, what it resolves to (a stage's last image
// name, else the raw value), and the context sources when it takes none.
func (img *Image) copyDependencies(step *Step, c *instructions.CopyCommand, in Inputs) ([]string, error) {
	expandedFrom := c.From
	if c.From != "" {
		if image, ok := step.StageRefs[c.From]; ok {
			last, err := img.lastImageName(in, image)
			if err != nil {
				return nil, fmt.Errorf("--from=%s: %w", c.From, err)
			}
			expandedFrom = last
		}
	}
	args := []string{"From", c.From, "Sources"}
	args = append(args, c.SourcePaths...)
	args = append(args,
		"Dest", c.DestPath,
		"Chown", c.Chown,
		"Chmod", c.Chmod,
		"ExpandedFrom", expandedFrom,
	)
	if expandedFrom == "" {
		sum, err := in.contextChecksum().globs(c.SourcePaths)
		if err != nil {
			return nil, fmt.Errorf("unable to calculate build context globs checksum: %w", err)
		}
		args = append(args, "SourcesChecksum", sum)
	}
	return args, nil
}

// addDependencies: the sources, and the context checksum of those that are no
// URL (a URL's content is not hashed).
func addDependencies(c *instructions.AddCommand, in Inputs) ([]string, error) {
	args := append([]string{"Sources"}, c.SourcePaths...)
	args = append(args,
		"Dest", c.DestPath,
		"Chown", c.Chown,
		"Chmod", c.Chmod,
	)
	var local []string
	for _, src := range c.SourcePaths {
		if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
			local = append(local, src)
		}
	}
	if len(local) > 0 {
		sum, err := in.contextChecksum().globs(local)
		if err != nil {
			return nil, fmt.Errorf("unable to calculate build context globs checksum: %w", err)
		}
		args = append(args, "SourcesChecksum", sum)
	}
	return args, nil
}

func healthcheckDependencies(c *instructions.HealthCheckCommand) []string {
	if c.Health == nil { // BuildKit always sets it; the zero config, should it not
		return []string{"Test", "Interval", "0s", "Timeout", "0s", "StartPeriod", "0s", "Retries", "0"}
	}
	h := c.Health
	args := append([]string{"Test"}, h.Test...)
	return append(args,
		"Interval", h.Interval.String(),
		"Timeout", h.Timeout.String(),
		"StartPeriod", h.StartPeriod.String(),
		"Retries", strconv.Itoa(h.Retries),
	)
}
