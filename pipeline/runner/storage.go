package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/sync/locks"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/sync/registry/localstore"
)

// Storage says where stages are kept and how builders agree.
type Storage struct {
	Repo            string // --repo; "" is the local store
	FinalRepo       string
	MetaRepo        string // where werf v3 keeps --repo's records, when its marker says so
	CacheRepos      []string
	SecondaryRepos  []string
	Insecure        bool // plain HTTP to every repository's registry
	SkipTLSVerify   bool
	DockerConfig    string // the Docker config directory; "" is ~/.docker
	Credentials     []Credential
	Synchronization string // "" is :local
	Home            string // dagwerf's home: the local store, :local locks, remembered hosts; "" is $DAGWERF_HOME or ~/.dagwerf
}

// home is dagwerf's home directory for s.
func (s Storage) home() (string, error) {
	if s.Home != "" {
		return s.Home, nil
	}
	return locks.DefaultHomeDir()
}

// GitCacheDir is where remote git repositories of Stapel git mappings are
// fetched to: <home>/git; "" when there is no home directory, and then a
// remote mapping is refused with a message (set DAGWERF_HOME).
func (s Storage) GitCacheDir() string {
	h, err := s.home()
	if err != nil {
		return ""
	}
	return filepath.Join(h, "git")
}

// Credential is a username and password for one registry, before the Docker
// config.
type Credential struct {
	Registry string // a host[:port], or an address whose host counts
	Username string
	Password string
}

// ErrNeedsRepo is --final-repo, --meta-repo, --cache-repo or --secondary-repo without --repo.
var ErrNeedsRepo = errors.New("--final-repo, --meta-repo, --cache-repo and --secondary-repo need --repo")

// Validate checks the repository addresses. Commands check them before
// anything else, so that a malformed one is refused even where no stage is read
// (a digest of images without dependencies).
func (s Storage) Validate() error {
	flags := []struct {
		flag  string
		addrs []string
	}{
		{"--repo", []string{s.Repo}}, {"--final-repo", []string{s.FinalRepo}}, {"--meta-repo", []string{s.MetaRepo}},
		{"--cache-repo", s.CacheRepos}, {"--secondary-repo", s.SecondaryRepos},
	}
	for _, f := range flags {
		for _, a := range f.addrs {
			if a == "" {
				continue
			}
			if err := registry.CheckRepoAddress(f.flag, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpenedStorage is a stages storage and what must be closed after it.
type OpenedStorage struct {
	*registry.Storage
	close func() error
}

// Close stops the local store, if one was started.
func (o *OpenedStorage) Close() error { return o.close() }

// Open connects to the stages storage: --repo and the repositories around it, or
// the local store, with the lock of --synchronization around publishing. Warnings
// (no shared synchronization for a registry) go to warn.
func (s Storage) Open(cfg *config.Config, warn io.Writer, opts ...registry.Option) (*OpenedStorage, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	project := cfg.Meta.Project
	o := &OpenedStorage{close: func() error { return nil }}
	repo := s.Repo
	if repo == "" {
		if s.FinalRepo != "" || s.MetaRepo != "" || len(s.CacheRepos) > 0 || len(s.SecondaryRepos) > 0 {
			return nil, ErrNeedsRepo
		}
		home, err := s.home()
		if err != nil {
			return nil, err
		}
		store, err := localstore.Open(filepath.Join(home, "stages", project))
		if err != nil {
			return nil, err
		}
		o.close = store.Close
		repo = store.Repo(project)
	}
	opened := false
	defer func() {
		if !opened {
			_ = o.close()
		}
	}()

	regOpts, err := s.RegistryOptions(append(append([]string{repo, s.FinalRepo}, s.CacheRepos...), s.SecondaryRepos...)...)
	if err != nil {
		return nil, err
	}
	opts = append(regOpts, opts...)
	opts = append(opts, registry.WithCacheRepos(s.CacheRepos...), registry.WithSecondaryRepos(s.SecondaryRepos...))
	if s.FinalRepo != "" {
		opts = append(opts, registry.WithFinalRepo(s.FinalRepo))
	}
	if s.MetaRepo != "" {
		opts = append(opts, registry.WithMetaRepo(s.MetaRepo))
	}

	addr := locks.Address{Kind: locks.Local}
	if s.Synchronization != "" {
		var err error
		if addr, err = locks.ParseAddress(s.Synchronization); err != nil {
			return nil, err
		}
	}
	var storage *registry.Storage
	lockOpts := []locks.Option{locks.WithClientID(func(ctx context.Context) (string, error) {
		return locks.ClientID(ctx, addr.URL, project, storage)
	})}
	if s.Home != "" {
		lockOpts = append(lockOpts, locks.WithHomeDir(s.Home))
	}
	locker, err := locks.New(addr, lockOpts...)
	if err != nil {
		return nil, err
	}
	storage, err = registry.New(project, repo, append(opts, registry.WithLocker(locker))...)
	if err != nil {
		return nil, err
	}
	o.Storage = storage
	if s.Synchronization == "" && s.Repo != "" {
		fmt.Fprintln(warn, "Warning: no --synchronization: stage locks are :local, which keeps builders on this machine apart but not runners on other machines; give them a shared backend (dagwerf synchronization, or kubernetes://) when they build into one --repo at once")
	}
	opened = true
	return o, nil
}

// RegistryOptions are the options that reach the registries of these
// repositories ("" skipped): credentials (the explicit ones, then the Docker
// config), plain HTTP for their hosts with --insecure-registry or as a login
// remembered them, and TLS verification unless --skip-tls-verify-registry.
func (s Storage) RegistryOptions(repos ...string) ([]registry.Option, error) {
	var hosts []string
	for _, r := range repos {
		if r != "" {
			host, _, _ := strings.Cut(r, "/")
			hosts = append(hosts, host)
		}
	}
	// Credentials: the explicit ones, then the Docker config. Without a home
	// directory to find ~/.docker in, access is anonymous (the zero Dir).
	dockerDir, _ := dockerconfig.NewDir(s.DockerConfig)
	opts := []registry.Option{registry.WithKeychain(dockerDir.Keychain())}
	for _, c := range s.Credentials {
		srv, err := dockerconfig.ParseServer(c.Registry)
		if err != nil {
			return nil, err
		}
		opts = append(opts, registry.WithCredentials(srv.Host, c.Username, c.Password))
	}
	// Plain HTTP: every host with --insecure-registry, else those a login marked.
	insecure := hosts
	if !s.Insecure {
		remembered, err := s.rememberedInsecure(hosts)
		if err != nil {
			return nil, err
		}
		insecure = remembered
	}
	opts = append(opts, registry.WithInsecureRegistries(insecure...))
	if s.SkipTLSVerify {
		opts = append(opts, registry.WithSkipTLSVerify(hosts...))
	}
	return opts, nil
}

// InsecureHosts is the list of hosts 'cr login --insecure-registry' marked, in
// dagwerf's home directory (home; "" is $DAGWERF_HOME or ~/.dagwerf).
func InsecureHosts(home string) (dockerconfig.InsecureHosts, error) {
	h, err := Storage{Home: home}.home()
	if err != nil {
		return dockerconfig.InsecureHosts{}, err
	}
	return dockerconfig.NewInsecureHosts(filepath.Join(h, dockerconfig.InsecureHostsFile)), nil
}

// rememberedInsecure are those of hosts that a login marked as plain HTTP.
// Without a home directory nothing was remembered.
func (s Storage) rememberedInsecure(hosts []string) ([]string, error) {
	h, err := InsecureHosts(s.Home)
	if err != nil {
		return nil, nil
	}
	return h.Select(hosts...)
}
