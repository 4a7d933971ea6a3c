package registry

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// Storage is a project's stages storage: --repo and the repositories around it.
type Storage struct {
	project     string
	o           *options
	primary     *repo
	caches      []*repo
	secondaries []*repo
	final       *repo

	metaOnce sync.Once // where records go, found once per run
	meta     *repo
	metaErr  error

	metaIndexOnce sync.Once                    // the meta records of the listing, read once
	metaIndex     map[string]map[string]string // image name hash → commit → stage ID
	metaIndexErr  error

	recordMu     sync.Mutex
	lastRecord   time.Time      // the creation time of the last record made
	recordLayers map[*repo]bool // the repositories this run wrote the records' layer to

	externals sync.Map // ref → *externalRead: each external image read once a run
}

// New opens the stages storage of a project in the repository repo (--repo).
// Nothing is requested until a stage is looked up.
func New(project, repoAddress string, opts ...Option) (*Storage, error) {
	o := newOptions(opts)
	s := &Storage{project: project, o: o, recordLayers: map[*repo]bool{}}
	var err error
	if s.primary, err = newRepo(o, "--repo", repoAddress); err != nil {
		return nil, err
	}
	for _, a := range o.caches {
		r, err := newRepo(o, "--cache-repo", a)
		if err != nil {
			return nil, err
		}
		s.caches = append(s.caches, r)
	}
	for _, a := range o.secondaries {
		r, err := newRepo(o, "--secondary-repo", a)
		if err != nil {
			return nil, err
		}
		s.secondaries = append(s.secondaries, r)
	}
	if o.final != "" {
		if s.final, err = newRepo(o, "--final-repo", o.final); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Repo is --repo as given.
func (s *Storage) Repo() string { return s.primary.address }

func (s *Storage) warnf(format string, args ...any) { s.o.warn(fmt.Sprintf(format, args...)) }

// Credentials are the username and password this storage would use for a registry
// host (explicit ones first, then the keychain); ok is false for anonymous access.
// The Dagger engine pushes with them.
func (s *Storage) Credentials(_ context.Context, host string) (username, password string, ok bool, err error) {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return "", "", false, err
	}
	auth, err := s.o.authKeychain().Resolve(reg)
	if err != nil {
		return "", "", false, err
	}
	cfg, err := auth.Authorization()
	if err != nil {
		return "", "", false, err
	}
	if cfg.Username == "" && cfg.Password == "" {
		return "", "", false, nil
	}
	return cfg.Username, cfg.Password, true, nil
}
