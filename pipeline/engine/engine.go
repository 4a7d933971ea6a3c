// Package engine builds images on the Dagger engine: a Dockerfile build of the
// exported context with Directory.DockerBuild, or a Stapel user stage's
// commands run on the previous stage as stored (RunShell), then labels and
// Container.Publish.
// It connects at the first build, so a run that finds every stage in the registry
// never starts an engine session. Inside `dagger run` it joins that session.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"dagger.io/dagger"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/pipeline"
)

// Credentials gives the username and password to push to a registry host; ok is
// false for anonymous access.
type Credentials func(ctx context.Context, host string) (username, password string, ok bool, err error)

// Engine is a pipeline.Builder and a pipeline.ShellBuilder on the Dagger engine.
type Engine struct {
	credentials    Credentials
	log            io.Writer
	connectTimeout time.Duration

	mu      sync.Mutex // held while connecting
	client  *dagger.Client
	err     error                   // the connect failed: every later build gets it
	endSess context.CancelCauseFunc // ends the session's context, on Close

	builds, pushes atomic.Int64
}

// Option configures an Engine.
type Option func(*Engine)

// WithCredentials resolves registry credentials for pushes.
func WithCredentials(c Credentials) Option { return func(e *Engine) { e.credentials = c } }

// WithLog receives the engine's progress output.
func WithLog(w io.Writer) Option { return func(e *Engine) { e.log = w } }

// WithConnectTimeout bounds the wait for an engine session (DefaultConnectTimeout).
func WithConnectTimeout(d time.Duration) Option { return func(e *Engine) { e.connectTimeout = d } }

// DefaultConnectTimeout bounds the first connection. The SDK downloads its CLI
// without a timeout of its own, then waits up to five minutes for the session,
// while a first engine pulls its image; past this nothing is coming.
const DefaultConnectTimeout = 10 * time.Minute

// New makes an engine builder; nothing is started until the first build.
func New(opts ...Option) *Engine {
	e := &Engine{log: io.Discard, connectTimeout: DefaultConnectTimeout}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// errUnreachable says what dagwerf needs of its environment, as the Go SDK looks
// for an engine: the session of an enclosing `dagger run` (DAGGER_SESSION_PORT),
// else the CLI in _EXPERIMENTAL_DAGGER_CLI_BIN, else a CLI it downloads (never
// one on PATH); the CLI then uses _EXPERIMENTAL_DAGGER_RUNNER_HOST, or starts an
// engine in Docker.
const errUnreachable = "no Dagger engine could be reached; dagwerf needs Docker running (for the engine the Dagger SDK starts itself), " +
	"or _EXPERIMENTAL_DAGGER_RUNNER_HOST set to an engine together with _EXPERIMENTAL_DAGGER_CLI_BIN set to a dagger CLI (a dagger on PATH is not used), " +
	"or to be run under `dagger run`: %w"

// connect joins the enclosing `dagger run` session, or starts one. A failure is
// kept for later builds, unless it was the caller giving up.
func (e *Engine) connect(ctx context.Context) (*dagger.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil || e.err != nil {
		return e.client, e.err
	}
	client, end, err := e.dial(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to the Dagger engine: %w", err)
		}
		e.err = fmt.Errorf(errUnreachable, err)
		return nil, e.err
	}
	e.client, e.endSess = client, end
	return client, nil
}

// dial connects and asks the engine its version, which is where a dead `dagger
// run` session shows: joining one does not contact it. The session outlives ctx
// (later builds use it) but not an abandoned connect: the SDK ignores ctx while
// it waits for its CLI, so the wait is bounded here, and the CLI stopped.
func (e *Engine) dial(ctx context.Context) (*dagger.Client, context.CancelCauseFunc, error) {
	sessCtx, end := context.WithCancelCause(context.WithoutCancel(ctx))
	type result struct {
		client *dagger.Client
		err    error
	}
	done := make(chan result, 1)
	go func() {
		client, err := dagger.Connect(sessCtx, dagger.WithLogOutput(e.log))
		if err == nil {
			if _, err = client.Version(sessCtx); err != nil {
				_ = client.Close()
				client = nil
			}
		}
		done <- result{client, err}
	}()
	timer := time.NewTimer(e.connectTimeout)
	defer timer.Stop()
	var abandoned error
	select {
	case r := <-done:
		if r.err != nil {
			end(r.err)
			return nil, nil, r.err
		}
		return r.client, end, nil
	case <-timer.C:
		abandoned = fmt.Errorf("the engine session did not start within %s", e.connectTimeout)
	case <-ctx.Done():
		abandoned = context.Cause(ctx)
	}
	// Cancelling closes the CLI's stdin, which ends it; a session that started
	// meanwhile is closed.
	end(abandoned)
	go func() {
		if r := <-done; r.client != nil {
			_ = r.client.Close()
		}
	}()
	return nil, nil, abandoned
}

// Calls counts the builds and pushes asked of the engine.
func (e *Engine) Calls() (builds, pushes int64) { return e.builds.Load(), e.pushes.Load() }

// Close ends the engine session, if one was started.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client == nil {
		return nil
	}
	err := e.client.Close()
	e.endSess(errors.New("the engine was closed"))
	e.client = nil
	return err
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
	for _, k := range sortedKeys(req.BuildArgs) {
		opts.BuildArgs = append(opts.BuildArgs, dagger.BuildArg{Name: k, Value: req.BuildArgs[k]})
	}
	for _, s := range req.Secrets {
		opts.Secrets = append(opts.Secrets, buildSecret(client, s))
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
	for _, k := range sortedKeys(labels) {
		ctr = ctr.WithLabel(k, labels[k])
	}
	ctr, err := b.engine.withRegistryAuth(ctx, b.client, ctr, ref.RegistryStr())
	if err != nil {
		return err
	}
	if _, err := ctr.Publish(ctx, ref.String()); err != nil {
		return fmt.Errorf("publish on the Dagger engine: %w", err)
	}
	return nil
}

// sortedKeys orders build args, labels and variables, so that the same
// request asks the engine the same thing.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// buildSecret hands a build secret to the engine. Its name is the id that RUN
// --mount=type=secret,id=… asks for.
func buildSecret(client *dagger.Client, s pipeline.Secret) *dagger.Secret {
	return client.SetSecret(s.ID, string(s.Value))
}

// withRegistryAuth gives ctr the credentials for a registry host, for a pull
// (Container.From) or a push (Publish); anonymous when there are none.
func (e *Engine) withRegistryAuth(ctx context.Context, client *dagger.Client, ctr *dagger.Container, host string) (*dagger.Container, error) {
	if e.credentials == nil {
		return ctr, nil
	}
	user, password, ok, err := e.credentials(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", host, err)
	}
	if !ok {
		return ctr, nil
	}
	return ctr.WithRegistryAuth(host, user, client.SetSecret("dagwerf-registry-"+host, password)), nil
}
