package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
)

// RunShell runs a Stapel user stage as werf's buildah path does
// (BuildStapelStage and applyCommands in pkg/container_backend/
// buildah_backend.go): in a container of the previous stage as stored, werf's
// script at /.werf/script.sh runs as 0:0 in /, with the image's environment
// plus req.Env, the stage's mounts and its secrets at /run/secrets/<id>. The
// stage is the previous one's config and layers plus one layer of what the
// commands changed, with req.Env added to the config; the script, the mounts
// and the secrets are in none of it. req.Network is not used, as werf's
// buildah path does not use it.
//
// werf runs `sh` from PATH; this runs /bin/sh, where every image with a sh
// has one, because the engine does not look a bare name up in PATH for a
// foreign platform under emulation (dagger-facts.md). The script then
// re-executes itself under bash when PATH has one, as werf's does.
func (e *Engine) RunShell(ctx context.Context, req pipeline.ShellRequest) (pipeline.Built, error) {
	client, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	e.builds.Add(1)
	where := shellWhere(req)
	ref, err := name.ParseReference(req.Base)
	if err != nil {
		return nil, &stageError{where, fmt.Errorf("the previous stage %q: %w", req.Base, err)}
	}
	base := client.Container(dagger.ContainerOpts{Platform: dagger.Platform(req.Platform)})
	if base, err = e.withRegistryAuth(ctx, client, base, ref.Context().RegistryStr()); err != nil {
		return nil, &stageError{where, err}
	}
	base = base.From(req.Base)

	run := base.WithUser("0:0").WithWorkdir("/").
		WithMountedFile(scriptPath, client.Directory().
			WithNewFile("script.sh", stageScript(req.Commands), dagger.DirectoryWithNewFileOpts{Permissions: 0o555}).
			File("script.sh"))
	for _, k := range sortedKeys(req.Env) {
		run = run.WithEnvVariable(k, req.Env[k])
	}
	run, exports, err := withShellMounts(client, run, req.Mounts)
	if err != nil {
		return nil, &stageError{where, err}
	}
	for _, s := range req.Secrets {
		// Owner and mode as werf's bind mount of the file it writes: root, 0600.
		run = run.WithMountedSecret(path.Join("/run/secrets", s.ID), buildSecret(client, s),
			dagger.ContainerWithMountedSecretOpts{Owner: "0:0", Mode: 0o600})
	}
	run, err = run.WithExec([]string{"/bin/sh", scriptPath}).Sync(ctx)
	if err != nil {
		return nil, describeShellFailure(req, where, err)
	}
	for _, x := range exports {
		if _, err := run.Directory(x.to).Export(ctx, x.host); err != nil {
			return nil, &stageError{where, fmt.Errorf("write mount %s back to %s: %w", x.to, x.host, err)}
		}
	}

	// The previous stage's config, untouched, over the filesystem the commands
	// left: werf commits the container with the config it was created with.
	stage := base.WithRootfs(run.Rootfs())
	for _, k := range sortedKeys(req.Env) {
		stage = stage.WithEnvVariable(k, req.Env[k])
	}
	return &built{engine: e, client: client, ctr: stage}, nil
}

// hostExport is a fromPath mount whose changes go back to the host directory,
// as werf's read-write bind mount of it does.
type hostExport struct{ to, host string }

// withShellMounts mounts what werf.yaml's mount gives the user stages
// (pkg/build/stage/base.go): a tmp_dir is empty for each stage, a build_dir is
// kept between builds of the project (a cache volume named by CacheKey), a
// fromPath is the host directory, created when missing.
func withShellMounts(client *dagger.Client, ctr *dagger.Container, mounts []pipeline.ShellMount) (*dagger.Container, []hostExport, error) {
	var exports []hostExport
	for _, m := range mounts {
		to := path.Join("/", m.To)
		switch m.Kind {
		case config.MountTmpDir:
			ctr = ctr.WithMountedTemp(to)
		case config.MountBuildDir:
			if m.CacheKey == "" {
				return nil, nil, fmt.Errorf("mount %s (build_dir) has no cache key", to)
			}
			ctr = ctr.WithMountedCache(to, client.CacheVolume(m.CacheKey))
		case config.MountCustomDir:
			host, err := hostPath(m.FromPath)
			if err != nil {
				return nil, nil, fmt.Errorf("mount %s (fromPath %s): %w", to, m.FromPath, err)
			}
			if err := os.MkdirAll(host, 0o755); err != nil {
				return nil, nil, fmt.Errorf("mount %s: %w", to, err)
			}
			ctr = ctr.WithMountedDirectory(to, client.Host().Directory(host))
			exports = append(exports, hostExport{to: to, host: host})
		default:
			return nil, nil, fmt.Errorf("mount %s: unknown kind %q", to, m.Kind)
		}
	}
	return ctr, exports, nil
}

// hostPath expands a fromPath as werf does (util.ExpandPath): ~ is the home
// directory, a relative path is taken from the working directory.
func hostPath(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		p = filepath.Join(home, strings.TrimPrefix(p, "~"))
	}
	return filepath.Abs(p)
}

// shellWhere names the stage for errors.
func shellWhere(req pipeline.ShellRequest) string {
	img := "~"
	if req.Image != nil {
		img = req.Image.LogName()
	}
	return fmt.Sprintf("image %q (%s), stage %s", img, req.Platform, req.Stage)
}

// shellFailure is a user stage whose script failed: the command it failed
// in (when the script could say), its exit code and the end of its output.
type shellFailure struct {
	where    string
	command  string // "" when the script did not say
	number   int
	of       int
	exitCode int
	output   string
	err      error
}

func (f *shellFailure) Error() string {
	var b strings.Builder
	b.WriteString(f.where)
	if f.command != "" {
		fmt.Fprintf(&b, ", command %d of %d: %s", f.number, f.of, showCommand(f.command))
	}
	fmt.Fprintf(&b, ": exit code %d", f.exitCode)
	if f.output != "" {
		b.WriteString("\n")
		b.WriteString(f.output)
	}
	return b.String()
}

func (f *shellFailure) Unwrap() error { return f.err }

// NamesStage: the message begins with the image, platform and stage.
func (f *shellFailure) NamesStage() bool { return true }

// stageError is any other error of a user stage, after the image, platform
// and stage.
type stageError struct {
	where string
	err   error
}

func (e *stageError) Error() string    { return e.where + ": " + e.err.Error() }
func (e *stageError) Unwrap() error    { return e.err }
func (e *stageError) NamesStage() bool { return true }

// showCommand writes a command on one line: as written, or quoted when it
// spans lines.
func showCommand(c string) string {
	if strings.ContainsAny(c, "\n\r") {
		return fmt.Sprintf("%q", c)
	}
	return c
}

// describeShellFailure turns the engine's error for a failed script into one
// naming the stage and the command; other errors get the stage only.
func describeShellFailure(req pipeline.ShellRequest, where string, err error) error {
	var exec *dagger.ExecError
	if !errors.As(err, &exec) {
		return &stageError{where, err}
	}
	n, stderr := failedCommand(exec.Stderr)
	f := &shellFailure{
		where:    where,
		of:       len(req.Commands),
		exitCode: exec.ExitCode,
		output:   tail(exec.Stdout, stderr),
		err:      err,
	}
	if n >= 1 && n <= len(req.Commands) {
		f.number, f.command = n, req.Commands[n-1]
	}
	return f
}

var (
	_ pipeline.ShellBuilder = (*Engine)(nil)
	_ pipeline.StageNamer   = (*shellFailure)(nil)
	_ pipeline.StageNamer   = (*stageError)(nil)
)
