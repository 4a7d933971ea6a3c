package source

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// History is a repository's history as werf's cleanup reads it: the remote
// branches of origin and the tags, and the commits behind them. It is safe for
// concurrent use; commits are read once.
type History struct {
	repoDir string
	repo    *git.Repository

	mu      sync.Mutex // go-git's object storage is not safe for concurrent use
	commits map[plumbing.Hash]*Commit
}

// Commit is a commit as the cleanup needs it.
type Commit struct {
	Hash    string
	Parents []string
	Time    time.Time // the committer's time: werf orders commits by it
}

// Reference is a remote branch of origin or a tag.
type Reference struct {
	Name   string    // the short name: origin/main, v1.2
	Tag    bool      // a tag, else a remote branch
	Commit string    // the commit it points to (an annotated tag peeled)
	Time   time.Time // a branch's head commit's committer time; an annotated tag's tagger time, a lightweight one's commit's
}

// Branch is a remote branch's name without its remote (main for origin/main).
func (r Reference) Branch() string {
	_, b, _ := strings.Cut(r.Name, "/")
	return b
}

// ErrCommitNotFound is a commit the repository does not have.
var ErrCommitNotFound = errors.New("commit not found")

// OpenHistory opens the git repository that dir is in.
func OpenHistory(dir string) (*History, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("project directory %s: %w", dir, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("project directory %s is not inside a git repository: the cleanup reads the history of its branches and tags", dir)
		}
		return nil, fmt.Errorf("open git repository of %s: %w", dir, err)
	}
	repoDir := abs
	if wt, err := repo.Worktree(); err == nil {
		repoDir = wt.Filesystem.Root()
	}
	return &History{repoDir: repoDir, repo: repo, commits: map[plumbing.Hash]*Commit{}}, nil
}

// RepoDir is the root of the repository's worktree.
func (h *History) RepoDir() string { return h.repoDir }

// Shallow reports whether the repository is a shallow clone: its history ends
// at the commits of its shallow file.
func (h *History) Shallow() (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	shallow, err := h.repo.Storer.Shallow()
	if err != nil {
		return false, fmt.Errorf("read the shallow file of %s: %w", h.repoDir, err)
	}
	return len(shallow) > 0, nil
}

// References are the repository's tags and origin's remote branches, as
// werf's cleanup takes them: other remotes, local branches and symbolic
// references (origin/HEAD) are left out.
func (h *History) References() ([]Reference, error) {
	h.mu.Lock()
	iter, err := h.repo.References()
	if err != nil {
		h.mu.Unlock()
		return nil, fmt.Errorf("list the references of %s: %w", h.repoDir, err)
	}
	var refs []*plumbing.Reference
	err = iter.ForEach(func(r *plumbing.Reference) error {
		n := r.Name()
		switch {
		case r.Type() != plumbing.HashReference || r.Hash().IsZero():
		case n.IsTag(), n.IsRemote() && strings.HasPrefix(n.Short(), "origin/"):
			refs = append(refs, r)
		}
		return nil
	})
	h.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("list the references of %s: %w", h.repoDir, err)
	}
	out := make([]Reference, 0, len(refs))
	for _, r := range refs {
		ref, err := h.reference(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// reference resolves a reference to its commit and time.
func (h *History) reference(r *plumbing.Reference) (Reference, error) {
	ref := Reference{Name: r.Name().Short(), Tag: r.Name().IsTag()}
	if !ref.Tag {
		c, err := h.Commit(r.Hash().String())
		if err != nil {
			return ref, fmt.Errorf("branch %s: %w", ref.Name, err)
		}
		ref.Commit, ref.Time = c.Hash, c.Time
		return ref, nil
	}
	h.mu.Lock()
	target, tagger, err := peelTag(h.repo, r.Hash())
	h.mu.Unlock()
	if err != nil {
		return ref, fmt.Errorf("tag %s: %w", ref.Name, err)
	}
	c, err := h.Commit(target.String())
	if err != nil {
		return ref, fmt.Errorf("tag %s: %w", ref.Name, err)
	}
	ref.Commit, ref.Time = c.Hash, c.Time
	if !tagger.IsZero() {
		ref.Time = tagger // an annotated tag counts from when it was made
	}
	return ref, nil
}

// peelTag follows a tag to its commit; tagger is the time of the tag object
// the reference names, zero for a lightweight tag.
func peelTag(repo *git.Repository, h plumbing.Hash) (commit plumbing.Hash, tagger time.Time, err error) {
	obj, err := repo.Object(plumbing.AnyObject, h)
	if err != nil {
		return plumbing.ZeroHash, time.Time{}, err
	}
	if t, ok := obj.(*object.Tag); ok {
		tagger = t.Tagger.When
	}
	for range maxTagChain {
		switch o := obj.(type) {
		case *object.Commit:
			return o.Hash, tagger, nil
		case *object.Tag:
			if obj, err = o.Object(); err != nil {
				return plumbing.ZeroHash, time.Time{}, err
			}
		default:
			return plumbing.ZeroHash, time.Time{}, fmt.Errorf("points to a %s, not a commit", obj.Type())
		}
	}
	return plumbing.ZeroHash, time.Time{}, errors.New("a chain of tags too long to follow")
}

// maxTagChain bounds tags of tags.
const maxTagChain = 32

var commitHashPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Commit reads a commit by its full hash; one the repository lacks is
// ErrCommitNotFound.
func (h *History) Commit(hash string) (*Commit, error) {
	if !commitHashPattern.MatchString(hash) {
		return nil, fmt.Errorf("%w: %q is not a full commit hash", ErrCommitNotFound, hash)
	}
	key := plumbing.NewHash(hash)
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.commits[key]; ok {
		return c, nil
	}
	gc, err := h.repo.CommitObject(key)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: %s in %s", ErrCommitNotFound, hash, h.repoDir)
	}
	if err != nil {
		return nil, fmt.Errorf("read commit %s in %s: %w", hash, h.repoDir, err)
	}
	c := &Commit{Hash: hash, Time: gc.Committer.When}
	for _, p := range gc.ParentHashes {
		c.Parents = append(c.Parents, p.String())
	}
	h.commits[key] = c
	return c, nil
}

// HasCommit reports whether the repository has the commit (werf's check of
// the commits meta records name).
func (h *History) HasCommit(hash string) (bool, error) {
	_, err := h.Commit(hash)
	if errors.Is(err, ErrCommitNotFound) {
		return false, nil
	}
	return err == nil, err
}

// HasRemote reports whether the repository has the remote name.
func (h *History) HasRemote(name string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.repo.Remote(name)
	if errors.Is(err, git.ErrRemoteNotFound) {
		return false, nil
	}
	return err == nil, err
}
