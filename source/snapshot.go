package source

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// maxSymlinks bounds symlink resolution, as the kernel's ELOOP does.
const maxSymlinks = 40

// Snapshot is one immutable view of the project's files. It is safe for
// concurrent use: the image tasks of a build read one snapshot at once.
type Snapshot struct {
	repoDir     string        // absolute root of the git worktree
	projectPath string        // project directory relative to repoDir, slash-separated, "" at the root
	objects     *objectReader // safe for concurrent use, as all of the snapshot is
	root        *Tree
	head        *object.Commit // nil when the repository has no commit yet (--dev only)
	dev         bool
}

// Entry is one path of a snapshot: a blob, a tree, a symlink or a submodule (gitlink).
type Entry struct {
	Path string // relative to the project directory, slash-separated
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// IsDir reports whether the entry is a tree.
func (e Entry) IsDir() bool { return e.Mode == filemode.Dir }

type options struct {
	worktree bool
	commit   string
}

// Option changes how Open reads the project.
type Option func(*options)

// AtCommit reads the commit named (a full or abbreviated hash, a branch, a tag)
// instead of HEAD: the project as it was then, to compare with.
func AtCommit(rev string) Option { return func(o *options) { o.commit = rev } }

// WithWorktree reads the working tree instead of the HEAD commit (werf's --dev):
// tracked files as they are on disk, and untracked files that .gitignore does not
// ignore.
func WithWorktree() Option { return func(o *options) { o.worktree = true } }

// Open reads the project whose directory is projectDir, which must be inside a git
// worktree.
func Open(projectDir string, opts ...Option) (*Snapshot, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}

	absProject, err := filepath.Abs(projectDir)
	if err != nil {
		return nil, fmt.Errorf("project directory %s: %w", projectDir, err)
	}
	absProject, err = filepath.EvalSymlinks(absProject)
	if err != nil {
		return nil, fmt.Errorf("project directory %s: %w", projectDir, err)
	}
	repo, err := git.PlainOpenWithOptions(absProject, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("project directory %s is not inside a git repository: dagwerf reads werf.yaml and build contexts from git (run `git init` and commit)", projectDir)
		}
		return nil, fmt.Errorf("open git repository of %s: %w", projectDir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("git repository of %s has no worktree: %w", projectDir, err)
	}
	repoDir, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, fmt.Errorf("git worktree of %s: %w", projectDir, err)
	}
	rel, err := filepath.Rel(repoDir, absProject)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("project directory %s is outside its git worktree %s", projectDir, repoDir)
	}
	s := &Snapshot{repoDir: repoDir, projectPath: filepath.ToSlash(rel), dev: o.worktree}
	if s.projectPath == "." {
		s.projectPath = ""
	}

	if o.commit != "" && o.worktree {
		return nil, errors.New("a snapshot is of a commit or of the working tree, not both")
	}
	var head *object.Commit
	if o.commit != "" {
		if head, err = revCommit(repo, o.commit); err != nil {
			return nil, fmt.Errorf("commit %s in %s: %w", o.commit, repoDir, err)
		}
	} else {
		head, err = headCommit(repo)
	}
	if err != nil && !(o.worktree && errors.Is(err, plumbing.ErrReferenceNotFound)) {
		if errors.Is(err, plumbing.ErrReferenceNotFound) {
			return nil, fmt.Errorf("git repository %s has no commit yet: dagwerf builds the HEAD commit (commit first, or use --dev to build the working tree)", repoDir)
		}
		return nil, fmt.Errorf("read HEAD commit of %s: %w", repoDir, err)
	}
	s.head = head

	if o.worktree {
		root, objects, err := snapshotWorktree(repo, repoDir)
		if err != nil {
			return nil, fmt.Errorf("read working tree %s: %w", repoDir, err)
		}
		s.objects = newObjectReader(objects)
		if s.root, err = s.objects.tree(root); err != nil {
			return nil, fmt.Errorf("read working tree %s: %w", repoDir, err)
		}
		return s, nil
	}
	s.objects = newObjectReader(repo.Storer)
	if s.root, err = s.objects.tree(head.TreeHash); err != nil {
		return nil, fmt.Errorf("read tree of commit %s in %s: %w", head.Hash, repoDir, err)
	}
	return s, nil
}

func revCommit(repo *git.Repository, rev string) (*object.Commit, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, err
	}
	return repo.CommitObject(*h)
}

func headCommit(repo *git.Repository) (*object.Commit, error) {
	ref, err := repo.Head()
	if err != nil {
		return nil, err
	}
	return repo.CommitObject(ref.Hash())
}

// RepoDir is the absolute root of the git worktree.
func (s *Snapshot) RepoDir() string { return s.repoDir }

// ProjectDir is the absolute project directory.
func (s *Snapshot) ProjectDir() string {
	return filepath.Join(s.repoDir, filepath.FromSlash(s.projectPath))
}

// ProjectPath is the project directory relative to the repository root ("" at the root).
func (s *Snapshot) ProjectPath() string { return s.projectPath }

// Dev reports whether the snapshot is of the working tree.
func (s *Snapshot) Dev() bool { return s.dev }

// Commit is the HEAD commit hash, "" when the repository has none yet.
func (s *Snapshot) Commit() string {
	if s.head == nil {
		return ""
	}
	return s.head.Hash.String()
}

// Ancestors are the commits the snapshot's commit descends from, nearest first
// (its parents, then theirs), at most max of them; a shallow clone's history
// ends where the clone does. A working-tree snapshot's are HEAD and its
// ancestors.
func (s *Snapshot) Ancestors(max int) ([]string, error) {
	if s.head == nil {
		return nil, nil
	}
	queue := []plumbing.Hash{s.head.Hash}
	if !s.dev {
		queue = slices.Clone(s.head.ParentHashes)
	}
	seen := map[plumbing.Hash]bool{}
	var out []string
	for len(queue) > 0 && len(out) < max {
		h := queue[0]
		queue = queue[1:]
		if seen[h] {
			continue
		}
		seen[h] = true
		parents, err := s.objects.parents(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			continue // beyond a shallow clone's depth
		}
		if err != nil {
			return out, err
		}
		out = append(out, h.String())
		queue = append(queue, parents...)
	}
	return out, nil
}

// CommitTime is the HEAD commit's author time (what werf's .Commit.Date shows), zero
// when there is none.
func (s *Snapshot) CommitTime() time.Time {
	if s.head == nil {
		return time.Time{}
	}
	return s.head.Author.When
}

// ReadTree reads the tree object h: a tree of the snapshot, or of the commit
// that a working-tree snapshot was taken over.
func (s *Snapshot) ReadTree(h plumbing.Hash) (*Tree, error) { return s.objects.tree(h) }

// ReadBlob reads the content of the blob object h.
func (s *Snapshot) ReadBlob(h plumbing.Hash) ([]byte, error) { return s.objects.blob(h) }

// Clean turns a project-relative path into its canonical slash form and refuses
// absolute paths and paths that leave the project directory. "" and "." are the
// project directory itself.
func Clean(rel string) (string, error) {
	if filepath.IsAbs(rel) || path.IsAbs(filepath.ToSlash(rel)) {
		return "", fmt.Errorf("path %q is absolute: paths are relative to the project directory", rel)
	}
	p := path.Clean(filepath.ToSlash(rel))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("path %q leaves the project directory", rel)
	}
	if p == "." {
		return "", nil
	}
	return p, nil
}

// repoPath joins a project-relative path onto the project directory's place in the repository.
func (s *Snapshot) repoPath(rel string) (string, error) {
	p, err := Clean(rel)
	if err != nil {
		return "", err
	}
	return path.Join(s.projectPath, p), nil
}

// projectRel is the inverse of repoPath.
func (s *Snapshot) projectRel(repoPath string) string {
	if s.projectPath == "" {
		return repoPath
	}
	if repoPath == s.projectPath {
		return ""
	}
	return strings.TrimPrefix(repoPath, s.projectPath+"/")
}

// Lookup finds the entry at a project-relative path without following a symlink in
// its last element. A missing path is an error wrapping fs.ErrNotExist.
func (s *Snapshot) Lookup(rel string) (Entry, error) { return s.entry(rel, false) }

// Stat is Lookup following symlinks; a symlink that leaves the repository is an error.
func (s *Snapshot) Stat(rel string) (Entry, error) { return s.entry(rel, true) }

func (s *Snapshot) entry(rel string, follow bool) (Entry, error) {
	p, err := s.repoPath(rel)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.resolve(p, follow)
	if err != nil {
		return Entry{}, err
	}
	e.Path = s.projectRel(e.Path)
	return e, nil
}

// ReadFile reads a file's content from git objects, following symlinks.
func (s *Snapshot) ReadFile(rel string) ([]byte, error) {
	e, err := s.Stat(rel)
	if err != nil {
		return nil, err
	}
	switch e.Mode {
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
	default:
		return nil, &fs.PathError{Op: "read", Path: rel, Err: errors.New("not a regular file")}
	}
	return s.objects.blob(e.Hash)
}

// Tree returns the git tree at a project-relative directory ("" for the project directory).
func (s *Snapshot) Tree(rel string) (*Tree, error) {
	e, err := s.Stat(rel)
	if err != nil {
		return nil, err
	}
	if !e.IsDir() {
		return nil, &fs.PathError{Op: "tree", Path: rel, Err: errors.New("not a directory")}
	}
	return s.objects.tree(e.Hash)
}

// Walk calls fn for every entry under the project-relative directory dir, in git's
// tree order, parents before children. Symlinks are reported, not followed. fn may
// return fs.SkipDir to skip a directory's contents.
func (s *Snapshot) Walk(dir string, fn func(e Entry) error) error {
	root, err := s.Tree(dir)
	if err != nil {
		return err
	}
	d, _ := Clean(dir)
	err = s.walkTree(root, d, fn)
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

func (s *Snapshot) walkTree(t *Tree, dir string, fn func(e Entry) error) error {
	for te := range t.Entries() {
		e := Entry{Path: path.Join(dir, te.Name), Mode: te.Mode, Hash: te.Hash}
		err := fn(e)
		if errors.Is(err, fs.SkipDir) {
			continue
		}
		if err != nil {
			return err
		}
		if te.Mode != filemode.Dir {
			continue
		}
		sub, err := s.objects.tree(te.Hash)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		if err := s.walkTree(sub, e.Path, fn); err != nil {
			return err
		}
	}
	return nil
}

// resolve walks a repository-relative path from the root tree, following symlinks in
// intermediate elements, and in the last one when follow is set.
func (s *Snapshot) resolve(p string, follow bool) (Entry, error) {
	links := 0
	for {
		e, rest, err := s.walkTo(p, follow)
		if err != nil {
			return Entry{}, err
		}
		if e.Mode != filemode.Symlink || (rest == "" && !follow) {
			return e, nil
		}
		if links++; links > maxSymlinks {
			return Entry{}, &fs.PathError{Op: "resolve", Path: p, Err: errors.New("too many levels of symbolic links")}
		}
		target, err := s.objects.blob(e.Hash)
		if err != nil {
			return Entry{}, err
		}
		t := string(target)
		if path.IsAbs(t) {
			return Entry{}, &fs.PathError{Op: "resolve", Path: s.projectRel(e.Path), Err: fmt.Errorf("symlink to absolute path %q points outside the repository", t)}
		}
		next := path.Join(path.Dir(e.Path), t, rest)
		if next == ".." || strings.HasPrefix(next, "../") {
			return Entry{}, &fs.PathError{Op: "resolve", Path: s.projectRel(e.Path), Err: fmt.Errorf("symlink to %q points outside the repository", t)}
		}
		if next == "." {
			next = ""
		}
		p = next
	}
}

// walkTo descends along p and stops at its end or at the first symlink; rest is what
// remains of p after that symlink.
func (s *Snapshot) walkTo(p string, follow bool) (e Entry, rest string, err error) {
	e = Entry{Path: "", Mode: filemode.Dir, Hash: s.root.Hash}
	if p == "" {
		return e, "", nil
	}
	t := s.root
	parts := strings.Split(p, "/")
	for i, name := range parts {
		if t == nil {
			return Entry{}, "", &fs.PathError{Op: "lookup", Path: s.projectRel(p), Err: fs.ErrNotExist}
		}
		te, ok := t.Find(name)
		if !ok {
			return Entry{}, "", &fs.PathError{Op: "lookup", Path: s.projectRel(p), Err: fs.ErrNotExist}
		}
		e = Entry{Path: path.Join(e.Path, name), Mode: te.Mode, Hash: te.Hash}
		last := i == len(parts)-1
		switch {
		case te.Mode == filemode.Symlink:
			if !last || follow {
				return e, strings.Join(parts[i+1:], "/"), nil
			}
		case te.Mode == filemode.Dir:
			if t, err = s.objects.tree(te.Hash); err != nil {
				return Entry{}, "", fmt.Errorf("%s: %w", e.Path, err)
			}
		default:
			t = nil
		}
	}
	return e, "", nil
}

// Submodule opens the commit a gitlink at a project-relative path points to, from
// the submodule's own repository; the result is rooted at the submodule.
func (s *Snapshot) Submodule(rel string, commit plumbing.Hash) (*Snapshot, error) {
	p, err := s.repoPath(rel)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.repoDir, filepath.FromSlash(p))
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("submodule %s is not checked out (git submodule update --init): %w", rel, err)
	}
	c, err := repo.CommitObject(commit)
	if err != nil {
		return nil, fmt.Errorf("submodule %s: commit %s: %w (git submodule update --init)", rel, commit, err)
	}
	objects := newObjectReader(repo.Storer)
	root, err := objects.tree(c.TreeHash)
	if err != nil {
		return nil, fmt.Errorf("submodule %s: tree of %s: %w", rel, commit, err)
	}
	return &Snapshot{repoDir: dir, objects: objects, root: root, head: c, dev: s.dev}, nil
}
