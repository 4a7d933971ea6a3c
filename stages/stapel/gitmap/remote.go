package gitmap

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/werf/lockgate"
	"github.com/werf/lockgate/pkg/file_locker"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/internal/once"
)

// Repos are the repositories the images of one build share: the project's,
// read once, and each remote one, fetched once per build however many images
// map it (werf's conveyor keeps opened remote repositories by their cache
// key). The zero value is not usable; make one with NewRepos.
type Repos struct {
	mu      sync.Mutex
	local   map[*source.Snapshot]*once.Map[struct{}, *repository]
	remotes map[string]*remote // by mirror directory
}

// NewRepos makes an empty set of repositories for one build.
func NewRepos() *Repos {
	return &Repos{local: map[*source.Snapshot]*once.Map[struct{}, *repository]{}, remotes: map[string]*remote{}}
}

func (rs *Repos) localRepo(ctx context.Context, project *source.Snapshot) (*repository, error) {
	rs.mu.Lock()
	m, ok := rs.local[project]
	if !ok {
		m = &once.Map[struct{}, *repository]{}
		rs.local[project] = m
	}
	rs.mu.Unlock()
	return m.Get(struct{}{}, func() (*repository, error) { return openLocal(ctx, project) })
}

// remote is a remote repository's mirror in the cache: a bare repository,
// fetched with go-git as werf fetches its full mirrors
// (pkg/git_repo/remote.go), its remote branches also kept as local ones.
type remote struct {
	*repository
	fullURL string // with credentials, for go-git only
	dir     string
	locks   *file_locker.FileLocker

	fetchMu sync.Mutex // one fetch of the mirror at a time in this process
	synced  once.Map[string, struct{}]
}

// remoteRepo finds or makes the mirror of a mapping's repository and brings it
// up to date for the mapping, once per build for each of werf's cache keys
// (url, branch, tag, commit).
func (rs *Repos) remoteRepo(ctx context.Context, g config.GitMapping, cacheDir string) (*remote, error) {
	ep, err := transport.NewEndpoint(g.URL)
	if err != nil {
		return nil, fmt.Errorf("bad git url %q: %w", redactURL(g.URL), err)
	}
	if cacheDir == "" {
		return nil, fmt.Errorf("git repository %s: no cache directory to fetch it into", redactURL(g.URL))
	}
	dir := filepath.Join(cacheDir, mirrorID(ep))

	rs.mu.Lock()
	r, ok := rs.remotes[dir]
	if !ok {
		locks, err := file_locker.NewFileLocker(filepath.Join(cacheDir, "locks"))
		if err != nil {
			rs.mu.Unlock()
			return nil, fmt.Errorf("git cache %s: %w", cacheDir, err)
		}
		r = &remote{
			repository: &repository{name: RepositoryName(g.URL), url: redactURL(g.URL), gitDir: dir},
			fullURL:    g.URL,
			dir:        dir,
			locks:      locks,
		}
		rs.remotes[dir] = r
	}
	rs.mu.Unlock()

	key := strings.Join([]string{g.URL, g.Branch, g.Tag, g.Commit}, "\x00")
	if _, err := r.synced.Get(key, func() (struct{}, error) { return struct{}{}, r.sync(ctx, g.Commit) }); err != nil {
		return nil, err
	}
	return r, nil
}

// mirrorID is werf's key of a remote repository's cache (Remote.getRepoID):
// SHA-256 of protocol, host and path, so that credentials and the spelling of
// the URL do not split the cache.
func mirrorID(ep *transport.Endpoint) string {
	host := ep.Host
	if ep.Port > 0 {
		host += ":" + strconv.Itoa(ep.Port)
	}
	return stages.Sha256(filepath.Join("protocol-"+ep.Protocol, host, ep.Path))
}

// sync brings the mirror up to date: cloned when missing, fetched otherwise;
// a mapping pinned to a commit the mirror already has needs no network (werf's
// shallow mirrors skip the fetch likewise).
func (r *remote) sync(ctx context.Context, commit string) error {
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	unlock, err := r.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	_, statErr := os.Stat(r.dir)
	exists := statErr == nil
	if statErr != nil && !errors.Is(statErr, os.ErrNotExist) {
		return fmt.Errorf("git cache %s: %w", r.dir, statErr)
	}
	if exists {
		if err := r.open(); err != nil {
			return err
		}
		if commit != "" {
			if has, err := r.hasCommit(commit); err == nil && has {
				return nil
			}
		}
		if err := r.fetch(ctx); err != nil {
			return err
		}
	} else if err := r.clone(ctx); err != nil {
		return err
	}
	if err := r.open(); err != nil {
		return err
	}
	return r.syncLocalBranches()
}

// lock holds the mirror against other processes sharing the cache.
func (r *remote) lock(ctx context.Context) (func(), error) {
	name := "remote_git." + filepath.Base(r.dir)
	for {
		acquired, handle, err := r.locks.Acquire(name, lockgate.AcquireOptions{NonBlocking: true})
		if err == nil && acquired {
			return func() { _ = r.locks.Release(handle) }, nil
		}
		_ = r.locks.Release(handle)
		if err != nil {
			return nil, fmt.Errorf("lock the git cache %s: %w", r.dir, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for another process fetching into %s: %w", r.dir, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (r *remote) open() error {
	repo, err := git.PlainOpen(r.dir)
	if err != nil {
		return fmt.Errorf("open the git cache %s: %w", r.dir, err)
	}
	r.mu.Lock()
	r.goRepo = repo
	r.mu.Unlock()
	return nil
}

// clone makes the mirror beside its place and moves it there, so that a
// clone cut short leaves nothing behind that looks whole.
func (r *remote) clone(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Dir(r.dir), 0o755); err != nil {
		return fmt.Errorf("git cache: %w", err)
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	tmp := r.dir + "." + hex.EncodeToString(suffix[:]) + ".tmp"
	defer os.RemoveAll(tmp)
	_, err := git.PlainCloneContext(ctx, tmp, true, &git.CloneOptions{URL: r.fullURL, Tags: git.AllTags})
	if err != nil {
		return fmt.Errorf("cannot fetch the repository: %w", redactErr(err, r.fullURL))
	}
	if err := os.Rename(tmp, r.dir); err != nil {
		return fmt.Errorf("git cache %s: %w", r.dir, err)
	}
	return nil
}

// fetch is werf's fetch of a full mirror: every branch into
// refs/remotes/origin, every tag, forced. It fetches through a repository of
// its own: go-git's storage is not safe for concurrent use, and other images'
// mappings may be reading r.goRepo meanwhile (open swaps in the result).
func (r *remote) fetch(ctx context.Context) error {
	repo, err := git.PlainOpen(r.dir)
	if err != nil {
		return fmt.Errorf("open the git cache %s: %w", r.dir, err)
	}
	cfg, err := repo.Config()
	if err != nil {
		return fmt.Errorf("git cache %s: %w", r.dir, err)
	}
	if origin, ok := cfg.Remotes["origin"]; ok && (len(origin.URLs) != 1 || origin.URLs[0] != r.fullURL) {
		origin.URLs = []string{r.fullURL}
		if err := repo.SetConfig(cfg); err != nil {
			return fmt.Errorf("git cache %s: %w", r.dir, err)
		}
	}
	err = repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: "origin",
		RemoteURL:  r.fullURL,
		Force:      true,
		Tags:       git.AllTags,
		RefSpecs:   []gitconfig.RefSpec{"+refs/heads/*:refs/remotes/origin/*"},
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("cannot fetch the repository: %w", redactErr(err, r.fullURL))
	}
	return nil
}

// syncLocalBranches points refs/heads/<b> at refs/remotes/origin/<b>, so the
// mirror's HEAD follows the remote's default branch (werf's syncLocalBranches).
func (r *remote) syncLocalBranches() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	refs, err := r.goRepo.References()
	if err != nil {
		return fmt.Errorf("git cache %s: %w", r.dir, err)
	}
	defer refs.Close()
	return refs.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name().String()
		branch, ok := strings.CutPrefix(name, "refs/remotes/origin/")
		if !ok || ref.Type() != plumbing.HashReference {
			return nil
		}
		local := plumbing.NewHashReference(plumbing.NewBranchReferenceName(branch), ref.Hash())
		if err := r.goRepo.Storer.SetReference(local); err != nil {
			return fmt.Errorf("git cache %s: %w", r.dir, err)
		}
		return nil
	})
}

// resolve is the commit a mapping of the repository takes: its commit, its
// tag's commit, its branch's last commit, or the mirror's HEAD (werf's
// GitMapping.getCommit with Remote's TagCommit, LatestBranchCommit,
// HeadCommitHash).
func (r *remote) resolve(s spec) (string, error) {
	switch {
	case s.commit != "":
		has, err := r.hasCommit(s.commit)
		if err != nil {
			return "", fmt.Errorf("unable to check commit %q existence in the repository: %w", s.commit, err)
		}
		if !has {
			return "", fmt.Errorf("commit %q not found in the repository. Ensure it has not been squashed or rebased", s.commit)
		}
		return s.commit, nil
	case s.tag != "":
		r.mu.Lock()
		defer r.mu.Unlock()
		ref, err := r.goRepo.Tag(s.tag)
		if err != nil {
			return "", fmt.Errorf("bad tag %q: %w", s.tag, err)
		}
		h, err := peelToCommit(r.goRepo, ref.Hash())
		if err != nil {
			return "", fmt.Errorf("bad tag %q: %w", s.tag, err)
		}
		return h.String(), nil
	case s.branch != "":
		r.mu.Lock()
		defer r.mu.Unlock()
		ref, err := r.goRepo.Reference(plumbing.NewRemoteReferenceName("origin", s.branch), false)
		if err != nil {
			return "", fmt.Errorf("unknown branch %q", s.branch)
		}
		return ref.Hash().String(), nil
	default:
		r.mu.Lock()
		defer r.mu.Unlock()
		ref, err := r.goRepo.Head()
		if err != nil {
			return "", fmt.Errorf("HEAD of the repository: %w", err)
		}
		return ref.Hash().String(), nil
	}
}

// peelToCommit follows annotated tags to the commit they name.
func peelToCommit(repo *git.Repository, h plumbing.Hash) (plumbing.Hash, error) {
	obj, err := repo.Object(plumbing.AnyObject, h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for {
		switch o := obj.(type) {
		case *object.Tag:
			if obj, err = o.Object(); err != nil {
				return plumbing.ZeroHash, err
			}
		case *object.Commit:
			return o.Hash, nil
		default:
			return plumbing.ZeroHash, fmt.Errorf("tag names a %s, not a commit", obj.Type())
		}
	}
}

// redactURL hides a password in a URL: errors and labels never show it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// redactErr removes the URL with its credentials from an error of go-git.
func redactErr(err error, rawURL string) error {
	red := redactURL(rawURL)
	if red == rawURL {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), rawURL, red))
}
