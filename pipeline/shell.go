package pipeline

import (
	"context"
	"strconv"
	"time"

	"github.com/dagwerf/dagwerf/config"
)

// ShellBuilder runs the shell commands of a Stapel user stage (beforeInstall,
// install, beforeSetup, setup) on the engine. It is the one kind of Stapel
// stage that needs running: the others only add files (git, imports) or change
// the config (from, dependencies' environment, docker, imageSpec), and are
// made registry-side. The Dagger engine implements it (package
// pipeline/engine); tests use a stand-in (test/enginetest).
type ShellBuilder interface {
	RunShell(ctx context.Context, req ShellRequest) (Built, error)
}

// StageNamer is an error whose message names its image, platform and stage
// already (the engine's, for a user stage that failed): the build passes it
// on as it is, so that the error names them once.
type StageNamer interface {
	error
	NamesStage() bool
}

// ShellRequest is one user stage to run, on top of the previous stage as
// stored.
type ShellRequest struct {
	Image    *config.Image // the image, for errors; its Stapel section
	Platform string
	Stage    string // beforeInstall, install, beforeSetup or setup
	// Base is the previous stage as stored, <repo>:<digest>-<millis>: the
	// container the commands run in.
	Base     string
	Commands []string // as werf.yaml lists them
	Mounts   []ShellMount
	Secrets  []Secret // at /run/secrets/<id>, never in a layer
	// Env is set while the commands run and stays in the image config: werf's
	// buildah path gives a Stapel stage's run its environment and then writes
	// the same variables into the committed config (BuildStapelStage's
	// Config(Envs)). For a user stage that is StapelCommitEnv.
	Env map[string]string
	// Network is werf.yaml's network. werf's buildah path does not use it
	// (BuildStapelStage never reads BuildStapelStageOptions.Network): the
	// commands run on the default network there, and so they do here.
	Network string
}

// StapelCommitEnv is the environment werf gives every Stapel stage it builds
// (pkg/build/build_phase.go, prepareStageInstructions): the HEAD commit and
// its author time, as Go prints it — go-git keeps the commit's offset as a
// nameless zone, so the human form reads "2026-12-06 01:55:08 +0000 +0000".
func StapelCommitEnv(commit string, authorTime time.Time) map[string]string {
	return map[string]string{
		"WERF_COMMIT_HASH":       commit,
		"WERF_COMMIT_TIME_HUMAN": authorTime.String(),
		"WERF_COMMIT_TIME_UNIX":  strconv.FormatInt(authorTime.Unix(), 10),
	}
}

// ShellMount is a directory mounted while the commands run, never part of a
// layer (werf.yaml mount).
type ShellMount struct {
	To string // in the container
	// Kind is config.MountTmpDir (a fresh empty directory), config.MountBuildDir
	// (kept between builds of the project: a cache volume) or
	// config.MountCustomDir (FromPath, a host directory).
	Kind     string
	FromPath string // MountCustomDir: the host path
	// CacheKey names the cache volume of a build_dir mount: one per project
	// and path.
	CacheKey string
}
