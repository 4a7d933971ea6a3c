package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// snapshotWorktree hashes the working tree into a virtual commit tree, and returns
// its root tree's hash and a store that serves it: tracked files as they are on
// disk (deleted ones dropped), untracked files unless ignored, each blob and tree
// hashed as git would. A file whose size and mtime match the index
// (and is not racily clean) keeps the index's hash, so only changed files are read.
// New objects live in memory; the repository is not touched.
func snapshotWorktree(repo *git.Repository, repoDir string) (plumbing.Hash, storer.EncodedObjectStorer, error) {
	idx, err := repo.Storer.Index()
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("read git index: %w", err)
	}
	w := &worktreeWalker{
		repoDir:     repoDir,
		objects:     newOverlay(repo.Storer),
		tracked:     make(map[string]*index.Entry, len(idx.Entries)),
		trackedDirs: map[string]bool{"": true},
	}
	for _, e := range idx.Entries {
		if e.Stage != index.Merged && w.tracked[e.Name] != nil {
			continue // a conflicted path: the working tree file decides
		}
		w.tracked[e.Name] = e
		for d := path.Dir(e.Name); d != "."; d = path.Dir(d) {
			w.trackedDirs[d] = true
		}
	}
	if fi, err := os.Stat(filepath.Join(repoDir, ".git", "index")); err == nil {
		w.indexTime = fi.ModTime()
	}
	h, err := w.dir("", ignorePatterns(repoDir), false)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	if h.IsZero() {
		h, err = w.objects.add(&object.Tree{}) // an empty working tree is git's empty tree
		if err != nil {
			return plumbing.ZeroHash, nil, err
		}
	}
	return h, w.objects, nil
}

// ignorePatterns are the patterns git applies before any .gitignore: the user's and
// the system's core.excludesFile, then .git/info/exclude.
func ignorePatterns(repoDir string) []gitignore.Pattern {
	rootFS := osfs.New("/")
	var ps []gitignore.Pattern
	if sys, err := gitignore.LoadSystemPatterns(rootFS); err == nil {
		ps = append(ps, sys...)
	}
	if global, err := gitignore.LoadGlobalPatterns(rootFS); err == nil {
		ps = append(ps, global...)
	}
	return append(ps, readIgnoreFile(filepath.Join(repoDir, ".git", "info", "exclude"), nil)...)
}

func readIgnoreFile(file string, domain []string) []gitignore.Pattern {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var ps []gitignore.Pattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps
}

type worktreeWalker struct {
	repoDir     string
	objects     *overlay
	tracked     map[string]*index.Entry
	trackedDirs map[string]bool
	indexTime   time.Time
}

// dir hashes the directory rel (repository-relative) and returns its tree hash, or
// the zero hash when nothing in it is kept (git stores no empty trees). patterns are
// the ignore rules of the directories above; inside an ignored directory only
// tracked files are kept.
func (w *worktreeWalker) dir(rel string, patterns []gitignore.Pattern, ignored bool) (plumbing.Hash, error) {
	abs := filepath.Join(w.repoDir, filepath.FromSlash(rel))
	var domain []string
	if rel != "" {
		domain = strings.Split(rel, "/")
	}
	patterns = append(patterns[:len(patterns):len(patterns)], readIgnoreFile(filepath.Join(abs, ".gitignore"), domain)...)
	matcher := gitignore.NewMatcher(patterns)

	dirents, err := os.ReadDir(abs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var tree object.Tree
	for _, de := range dirents {
		name := de.Name()
		if name == ".git" {
			continue
		}
		p := path.Join(rel, name)
		parts := append(domain[:len(domain):len(domain)], name)
		tracked := w.tracked[p]
		var entry object.TreeEntry
		var keep bool
		switch {
		case tracked != nil && tracked.Mode == filemode.Submodule:
			entry, keep = object.TreeEntry{Name: name, Mode: filemode.Submodule, Hash: submoduleHead(filepath.Join(abs, name), tracked.Hash)}, true
		case de.IsDir():
			subIgnored := ignored || matcher.Match(parts, true)
			if subIgnored && !w.trackedDirs[p] {
				continue
			}
			if _, err := os.Stat(filepath.Join(abs, name, ".git")); err == nil && !w.trackedDirs[p] {
				continue // an untracked nested repository: git add would not descend into it
			}
			h, err := w.dir(p, patterns, subIgnored)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			entry, keep = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}, !h.IsZero()
		default:
			if tracked == nil && (ignored || matcher.Match(parts, false)) {
				continue
			}
			entry, keep, err = w.file(filepath.Join(abs, name), name, de, tracked)
			if err != nil {
				return plumbing.ZeroHash, err
			}
		}
		if keep {
			tree.Entries = append(tree.Entries, entry)
		}
	}
	if len(tree.Entries) == 0 {
		return plumbing.ZeroHash, nil
	}
	sort.Sort(object.TreeEntrySorter(tree.Entries))
	return w.objects.add(&tree)
}

// file hashes a regular file or a symlink; other kinds (sockets, devices) are skipped
// as git skips them.
func (w *worktreeWalker) file(abs, name string, de os.DirEntry, tracked *index.Entry) (object.TreeEntry, bool, error) {
	fi, err := de.Info()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return object.TreeEntry{}, false, nil // removed while we walked
		}
		return object.TreeEntry{}, false, err
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(abs)
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		obj := &plumbing.MemoryObject{}
		obj.SetType(plumbing.BlobObject)
		if _, err := obj.Write([]byte(filepath.ToSlash(target))); err != nil {
			return object.TreeEntry{}, false, err
		}
		w.objects.set(obj)
		return object.TreeEntry{Name: name, Mode: filemode.Symlink, Hash: obj.Hash()}, true, nil
	case fi.Mode().IsRegular():
		mode := filemode.Regular
		if fi.Mode()&0o100 != 0 {
			mode = filemode.Executable
		}
		if tracked != nil && w.unchanged(tracked, fi) {
			return object.TreeEntry{Name: name, Mode: mode, Hash: tracked.Hash}, true, nil
		}
		h, err := hashFile(abs, fi.Size())
		if err != nil {
			return object.TreeEntry{}, false, err
		}
		w.objects.set(&fileBlob{path: abs, hash: h, size: fi.Size()})
		return object.TreeEntry{Name: name, Mode: mode, Hash: h}, true, nil
	}
	return object.TreeEntry{}, false, nil
}

// unchanged is git's stat check: same size and mtime as recorded in the index, and
// the file not modified in the same instant the index was written ("racily clean").
func (w *worktreeWalker) unchanged(e *index.Entry, fi os.FileInfo) bool {
	if e.Mode == filemode.Symlink || e.Mode == filemode.Submodule || e.IntentToAdd {
		return false
	}
	return int64(e.Size) == fi.Size()&0xffffffff &&
		e.ModifiedAt.Equal(fi.ModTime()) &&
		fi.ModTime().Before(w.indexTime)
}

// submoduleHead is the commit a submodule's worktree has checked out, which is what
// `git add -A` records; the index's commit when it cannot be read.
func submoduleHead(dir string, indexed plumbing.Hash) plumbing.Hash {
	sub, err := git.PlainOpen(dir)
	if err != nil {
		return indexed
	}
	ref, err := sub.Head()
	if err != nil {
		return indexed
	}
	return ref.Hash()
}

func hashFile(file string, size int64) (plumbing.Hash, error) {
	f, err := os.Open(file)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, size)
	n, err := io.Copy(h, f)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n != size {
		return plumbing.ZeroHash, fmt.Errorf("%s changed while it was read", file)
	}
	return h.Sum(), nil
}
