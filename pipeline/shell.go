package pipeline

import (
	"context"

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
	Network  string   // werf.yaml network; "" is the engine's default
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
