// Package engine builds images on the Dagger engine: a Dockerfile build of the
// exported context with Directory.DockerBuild, then labels and Container.Publish.
// It connects at the first build, so a run that finds every stage in the registry
// never starts an engine session. Inside `dagger run` it joins that session.
package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/pipeline"
)

// Credentials gives the username and password to push to a registry host; ok is
// false for anonymous access.
type Credentials func(ctx context.Context, host string) (username, password string, ok bool, err error)

// Engine is a pipeline.Builder on the Dagger engine.
type Engine struct {
	credentials Credentials
	log         io.Writer

	once   sync.Once
	client *dagger.Client
	err    error

	builds, pushes atomic.Int64
}

// Option configures an Engine.
type Option func(*Engine)

// WithCredentials resolves registry credentials for pushes.
func WithCredentials(c Credentials) Option { return func(e *Engine) { e.credentials = c } }

// WithLog receives the engine's progress output.
func WithLog(w io.Writer) Option { return func(e *Engine) { e.log = w } }

// New makes an engine builder; nothing is started until the first build.
func New(opts ...Option) *Engine {
	e := &Engine{log: io.Discard}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// connect joins the enclosing `dagger run` session, or starts one.
func (e *Engine) connect(ctx context.Context) (*dagger.Client, error) {
	e.once.Do(func() {
		e.client, e.err = dagger.Connect(context.WithoutCancel(ctx), dagger.WithLogOutput(e.log))
		if e.err != nil {
			e.err = fmt.Errorf("connect to the Dagger engine: %w", e.err)
		}
	})
	return e.client, e.err
}

// Calls counts the builds and pushes asked of the engine.
func (e *Engine) Calls() (builds, pushes int64) { return e.builds.Load(), e.pushes.Load() }

// Close ends the engine session, if one was started.
func (e *Engine) Close() error {
	if e.client == nil {
		return nil
	}
	return e.client.Close()
}

// Build builds the Dockerfile of the exported context for one platform and waits
// for the build to finish.
func (e *Engine) Build(ctx context.Context, req pipeline.BuildRequest) (pipeline.Built, error) {
	client, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	e.builds.Add(1)
	opts := dagger.DirectoryDockerBuildOpts{
		Dockerfile: req.Dockerfile,
		Platform:   dagger.Platform(req.Platform),
		Target:     req.Target,
	}
	keys := make([]string, 0, len(req.BuildArgs))
	for k := range req.BuildArgs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		opts.BuildArgs = append(opts.BuildArgs, dagger.BuildArg{Name: k, Value: req.BuildArgs[k]})
	}
	// A secret's name is the id RUN --mount=type=secret,id=… asks for.
	for _, s := range req.Secrets {
		opts.Secrets = append(opts.Secrets, client.SetSecret(s.ID, string(s.Value)))
	}
	if req.SSH != "" {
		opts.SSH = client.Host().UnixSocket(req.SSH)
	}
	dir := client.Host().Directory(req.ContextDir)
	if req.Inline != "" {
		// The Dockerfile's own .dockerignore keeps it and itself out of what COPY
		// sees; the context was filtered by the project's .dockerignore already.
		dir = dir.WithNewFile(req.Dockerfile, req.Inline).
			WithNewFile(req.Dockerfile+".dockerignore", req.Dockerfile+"\n"+req.Dockerfile+".dockerignore\n")
	}
	ctr, err := dir.DockerBuild(opts).Sync(ctx)
	if err != nil {
		return nil, fmt.Errorf("build on the Dagger engine: %w", describeFailure(err))
	}
	if ctr, err = ensurePlatform(ctx, client, ctr, req.Platform); err != nil {
		return nil, err
	}
	return &built{engine: e, client: client, ctr: ctr}, nil
}

type built struct {
	engine *Engine
	client *dagger.Client
	ctr    *dagger.Container
}

// Push labels the built image and publishes it as one image manifest.
func (b *built) Push(ctx context.Context, ref name.Tag, labels map[string]string) error {
	b.engine.pushes.Add(1)
	ctr := b.ctr
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ctr = ctr.WithLabel(k, labels[k])
	}
	host := ref.RegistryStr()
	if b.engine.credentials != nil {
		user, password, ok, err := b.engine.credentials(ctx, host)
		if err != nil {
			return fmt.Errorf("credentials for %s: %w", host, err)
		}
		if ok {
			ctr = ctr.WithRegistryAuth(host, user, b.client.SetSecret("dagwerf-registry-"+host, password))
		}
	}
	if _, err := ctr.Publish(ctx, ref.String()); err != nil {
		return fmt.Errorf("publish on the Dagger engine: %w", err)
	}
	return nil
}
