package locks

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/werf/lockgate/pkg/distributed_locker"
	"k8s.io/client-go/dynamic"
)

// Option configures a Locker.
type Option func(*options)

type options struct {
	homeDir  string
	clientID func(context.Context) (string, error)
	kube     dynamic.Interface
	t        timings
}

// WithHomeDir is dagwerf's home directory; :local keeps its lock files in its
// locks/ (default $DAGWERF_HOME, else ~/.dagwerf).
func WithHomeDir(dir string) Option { return func(o *options) { o.homeDir = dir } }

// WithClientID gives the synchronization client ID, werf's namespace for a
// repository's locks on a server (see registry.Storage.SynchronizationClientID).
// It is asked for once, at the first lock.
func WithClientID(f func(context.Context) (string, error)) Option {
	return func(o *options) { o.clientID = f }
}

// WithKubernetesClient replaces the client a kubernetes:// address would make.
func WithKubernetesClient(c dynamic.Interface) Option { return func(o *options) { o.kube = c } }

// DefaultHomeDir is $DAGWERF_HOME, else ~/.dagwerf.
func DefaultHomeDir() (string, error) {
	if h := os.Getenv("DAGWERF_HOME"); h != "" {
		return h, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory for :local locks (set DAGWERF_HOME): %w", err)
	}
	return filepath.Join(home, ".dagwerf"), nil
}

// New makes a locker on the backend of addr. Nothing is contacted until the
// first lock.
func New(addr Address, opts ...Option) (*Locker, error) {
	o := options{t: defaultTimings}
	for _, opt := range opts {
		opt(&o)
	}
	l := &Locker{addr: addr, name: stageLockName(addr.Kind)}
	switch addr.Kind {
	case Local:
		home := o.homeDir
		if home == "" {
			var err error
			if home, err = DefaultHomeDir(); err != nil {
				return nil, err
			}
		}
		files, err := newFileLocks(filepath.Join(home, "locks"))
		if err != nil {
			return nil, err
		}
		l.lock = func(ctx context.Context, _, name string) (context.Context, func(), error) {
			return files.lock(ctx, name)
		}
	case HTTP:
		if o.clientID == nil {
			return nil, fmt.Errorf("%s: no synchronization client ID source", addr)
		}
		l.lock = httpLocks(addr, o)
	case Kubernetes:
		client := o.kube
		if client == nil {
			var err error
			if client, err = kubernetesClient(addr); err != nil {
				return nil, err
			}
		}
		l.lock = perProject(func(ctx context.Context, project string) (*leases, error) {
			return kubernetesLeases(ctx, client, addr.Namespace, project, o.t)
		})
	default:
		return nil, fmt.Errorf("unknown synchronization kind %d", addr.Kind)
	}
	return l, nil
}

// httpLocks takes locks on a synchronization server under the repository's client
// ID, which is resolved at the first lock (and again after a failure).
func httpLocks(addr Address, o options) func(ctx context.Context, project, name string) (context.Context, func(), error) {
	var mu sync.Mutex
	var ls *leases
	return func(ctx context.Context, _, name string) (context.Context, func(), error) {
		mu.Lock()
		if ls == nil {
			id, err := o.clientID(ctx)
			if err != nil {
				mu.Unlock()
				return nil, nil, fmt.Errorf("synchronization client ID: %w", err)
			}
			backend := distributed_locker.NewHttpBackend(addr.URL + "/" + id + "/locker")
			backend.HttpClient = &http.Client{Timeout: o.t.call}
			ls = &leases{backend: backend, t: o.t, redact: redactor(id)}
		}
		l := ls
		mu.Unlock()
		return l.lock(ctx, name)
	}
}

// perProject keeps one set of leases per project.
func perProject(open func(ctx context.Context, project string) (*leases, error)) func(ctx context.Context, project, name string) (context.Context, func(), error) {
	var mu sync.Mutex
	byProject := map[string]*leases{}
	return func(ctx context.Context, project, name string) (context.Context, func(), error) {
		mu.Lock()
		ls, ok := byProject[project]
		if !ok {
			var err error
			if ls, err = open(ctx, project); err != nil {
				mu.Unlock()
				return nil, nil, err
			}
			byProject[project] = ls
		}
		mu.Unlock()
		return ls.lock(ctx, name)
	}
}
