package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/config/giterminism"
	"github.com/dagwerf/dagwerf/source"
)

// files reads the configuration's own files — werf.yaml, the templates, what .Files
// reaches — by werf's giterminism rules: from the HEAD commit, refusing a file with
// local changes unless werf-giterminism.yaml allows it (then it is read from disk);
// from the working tree under --dev; from disk with --loose-giterminism; from the
// snapshot alone when it is a past commit (pinned).
type files struct {
	snap   *source.Snapshot
	loose  bool
	pinned bool // every file as the snapshot has it, nothing compared with the working tree

	worktreeOnce sync.Once
	worktree     *source.Snapshot
	worktreeErr  error
}

// asSnapshot reports whether files are read from the snapshot as it is: the
// working tree under --dev, or a past commit.
func (f *files) asSnapshot() bool { return f.snap.Dev() || f.pinned }

// allowance is the werf-giterminism.yaml rule that lets a kind of file be read
// uncommitted.
type allowance struct {
	key   string // the key that would allow it, named in errors
	allow func(rel string) bool
}

func globsAllowance(key string, globs giterminism.Globs) allowance {
	return allowance{key: key, allow: globs.Match}
}

var denyAll = allowance{allow: func(string) bool { return false }}

// read returns a file's content; a missing file is an error wrapping fs.ErrNotExist.
func (f *files) read(rel string, a allowance) ([]byte, error) {
	rel, err := source.Clean(rel)
	if err != nil {
		return nil, err
	}
	switch {
	case f.loose:
		return f.readDisk(rel)
	case f.asSnapshot():
		data, err := f.snap.ReadFile(rel)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w in the working tree", rel, fs.ErrNotExist)
		}
		return data, err
	case a.allow(rel):
		return f.readDisk(rel)
	}
	state, err := f.snap.FileState(rel)
	if err != nil {
		return nil, err
	}
	switch state {
	case source.Untracked:
		return nil, uncommittedError([]string{rel}, nil, a)
	case source.Modified:
		return nil, uncommittedError(nil, []string{rel}, a)
	case source.Absent:
		return nil, fmt.Errorf("%s: %w in the HEAD commit", rel, fs.ErrNotExist)
	}
	return f.snap.ReadFile(rel)
}

// uncommittedError says which files stop a giterminism read and the ways out.
func uncommittedError(untracked, modified []string, a allowance) error {
	var what string
	switch {
	case len(untracked) == 1 && len(modified) == 0:
		what = fmt.Sprintf("%s is untracked", untracked[0])
	case len(untracked) == 0 && len(modified) == 1:
		what = fmt.Sprintf("%s has uncommitted changes", modified[0])
	default:
		var parts []string
		if len(untracked) > 0 {
			parts = append(parts, "untracked: "+strings.Join(untracked, ", "))
		}
		if len(modified) > 0 {
			parts = append(parts, "with uncommitted changes: "+strings.Join(modified, ", "))
		}
		what = "files are not committed (" + strings.Join(parts, "; ") + ")"
	}
	how := "commit them, or build the working tree with --dev"
	if a.key != "" {
		how += ", or allow them in werf-giterminism.yaml (" + a.key + ")"
	}
	return fmt.Errorf("%s: dagwerf reads the configuration from the HEAD commit; %s", what, how)
}

// readDisk reads a file of the project directory, refusing symlinks that leave the
// repository.
func (f *files) readDisk(rel string) ([]byte, error) {
	abs, err := f.diskPath(rel)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w in the project directory", rel, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return data, nil
}

func (f *files) diskPath(rel string) (string, error) {
	abs := filepath.Join(f.snap.ProjectDir(), filepath.FromSlash(rel))
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w in the project directory", rel, fs.ErrNotExist)
		}
		return "", err
	}
	inside, err := filepath.Rel(f.snap.RepoDir(), resolved)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s resolves to %s, outside the git repository", rel, resolved)
	}
	return resolved, nil
}

// glob returns the files whose project-relative paths match pattern (werf's path
// matcher: doublestar, and everything under a pattern ending in `*`), with their
// content.
func (f *files) glob(pattern string, a allowance) (map[string][]byte, error) {
	base := literalBase(pattern)
	matched := func(p string) bool { return giterminism.MatchPath(pattern, p) }

	if f.loose {
		return f.globDisk(base, matched)
	}
	if f.asSnapshot() {
		return readAll(f.snap, listFiles(f.snap, base, matched))
	}

	wt, err := f.worktreeSnapshot()
	if err != nil {
		return nil, err
	}
	committed := listFiles(f.snap, base, matched)
	current := listFiles(wt, base, matched)
	var untracked, modified []string
	out := map[string][]byte{}
	for p := range union(committed, current) {
		c, inHead := committed[p]
		w, onDisk := current[p]
		switch {
		case a.allow(p):
			if onDisk {
				if out[p], err = f.readDisk(p); err != nil {
					return nil, err
				}
			}
		case !inHead:
			untracked = append(untracked, p)
		case !onDisk || c.Hash != w.Hash || c.Mode != w.Mode:
			modified = append(modified, p)
		default:
			if out[p], err = f.snap.ReadFile(p); err != nil {
				return nil, err
			}
		}
	}
	if len(untracked)+len(modified) > 0 {
		slices.Sort(untracked)
		slices.Sort(modified)
		return nil, uncommittedError(untracked, modified, a)
	}
	return out, nil
}

// listFiles are the files (and symlinks to files) under base whose path matches.
func listFiles(s *source.Snapshot, base string, matched func(string) bool) map[string]source.Entry {
	out := map[string]source.Entry{}
	_ = s.Walk(base, func(e source.Entry) error {
		if e.Mode == filemode.Dir || e.Mode == filemode.Submodule || !matched(e.Path) {
			return nil
		}
		if e.Mode == filemode.Symlink {
			if target, err := s.Stat(e.Path); err != nil || target.IsDir() {
				return nil
			}
		}
		out[e.Path] = e
		return nil
	})
	return out
}

func readAll(s *source.Snapshot, entries map[string]source.Entry) (map[string][]byte, error) {
	out := make(map[string][]byte, len(entries))
	for p := range entries {
		data, err := s.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[p] = data
	}
	return out, nil
}

func (f *files) globDisk(base string, matched func(string) bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	root := filepath.Join(f.snap.ProjectDir(), filepath.FromSlash(base))
	err := filepath.WalkDir(root, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Name() == ".git" {
			return fs.SkipDir
		}
		rel, err := filepath.Rel(f.snap.ProjectDir(), abs)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() || !matched(rel) {
			return nil
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
			return nil
		}
		data, err := f.readDisk(rel)
		if err != nil {
			return err
		}
		out[rel] = data
		return nil
	})
	return out, err
}

// stat tells whether a path exists and is a directory, by the same rules as read. In
// the HEAD commit, a path with local changes does not exist, as in werf.
func (f *files) stat(rel string, a allowance) (exists, isDir bool, err error) {
	rel, err = source.Clean(rel)
	if err != nil {
		return false, false, err
	}
	if f.loose || (!f.asSnapshot() && a.allow(rel)) {
		fi, err := os.Stat(filepath.Join(f.snap.ProjectDir(), filepath.FromSlash(rel)))
		if err != nil {
			return false, false, nil
		}
		return true, fi.IsDir(), nil
	}
	e, err := f.snap.Stat(rel)
	if err != nil {
		return false, false, nil
	}
	if f.asSnapshot() {
		return true, e.IsDir(), nil
	}
	wt, err := f.worktreeSnapshot()
	if err != nil {
		return false, false, err
	}
	w, err := wt.Stat(rel)
	if err != nil || w.Hash != e.Hash {
		return false, false, nil
	}
	return true, e.IsDir(), nil
}

// worktreeSnapshot is the working tree as a virtual commit, made once, for the checks
// that must see untracked files.
func (f *files) worktreeSnapshot() (*source.Snapshot, error) {
	f.worktreeOnce.Do(func() {
		f.worktree, f.worktreeErr = source.Open(f.snap.ProjectDir(), source.WithWorktree())
	})
	return f.worktree, f.worktreeErr
}

// literalBase is the leading directories of a glob that hold no pattern characters.
func literalBase(pattern string) string {
	clean, err := source.Clean(pattern)
	if err != nil {
		return ""
	}
	var base []string
	for _, part := range strings.Split(clean, "/") {
		if strings.ContainsAny(part, `*?[{\`) {
			break
		}
		base = append(base, part)
	}
	if len(base) > 0 && !strings.ContainsAny(clean, `*?[{\`) {
		base = base[:len(base)-1] // a plain path: list its parent so a file matches too
	}
	return path.Join(base...)
}

func union[V any](a, b map[string]V) map[string]struct{} {
	out := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}
