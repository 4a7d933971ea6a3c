package gitmap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// lsResult is what werf's ls-tree takes from a commit (pkg/true_git/ls_tree):
// entries of the repository and, for submodules entered, what was taken in
// them. Paths are repository-relative, a submodule's entries included.
type lsResult struct {
	entries    []lsEntry
	submodules []lsSubmodule
}

type lsEntry struct {
	path string
	mode filemode.FileMode
	hash plumbing.Hash
}

type lsSubmodule struct {
	path   string
	snap   *source.Snapshot // the submodule at its commit: its entries' objects are there
	result *lsResult
}

func (r *lsResult) empty() bool { return len(r.entries) == 0 && len(r.submodules) == 0 }

// checksum is werf's Result.Checksum: SHA-256 over the entries' object hashes
// in hex, in order of their paths (as strings, not git's tree order), then
// each submodule's own checksum in path order; "" when nothing was taken.
func (r *lsResult) checksum() string {
	if r.empty() {
		return ""
	}
	slices.SortFunc(r.entries, func(a, b lsEntry) int { return strings.Compare(a.path, b.path) })
	slices.SortFunc(r.submodules, func(a, b lsSubmodule) int { return strings.Compare(a.path, b.path) })
	h := sha256.New()
	var buf [2 * len(plumbing.ZeroHash)]byte
	for _, e := range r.entries {
		hex.Encode(buf[:], e.hash[:])
		h.Write(buf[:])
	}
	for _, s := range r.submodules {
		if sum := s.result.checksum(); sum != "" {
			h.Write([]byte(sum))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lsTree is werf's LsTree of a commit with a path scope and a matcher: the
// scope's own entry when a scope is given (not following symlinks; inside a
// submodule when the scope lies in one), else the root. A directory the
// matcher wants to enter is walked entry by entry; one it takes is one entry
// (its tree hash), or walked for its files when allFiles is set.
func lsTree(ctx context.Context, snap *source.Snapshot, scope string, m pathmatch.Matcher, allFiles bool) (*lsResult, error) {
	scope = lsScope(scope)
	scopeM, _ := pathmatch.New(scope, nil, nil) // no globs: cannot fail
	w := &lsWalker{ctx: ctx, m: pathmatch.All(scopeM, m), allFiles: allFiles}
	res := &lsResult{}
	if scope == "" {
		root := source.Entry{Path: "", Mode: filemode.Dir}
		t, err := snap.Tree("")
		if err != nil {
			return nil, err
		}
		root.Hash = t.Hash
		return res, w.visit(snap, "", root, res)
	}
	return res, w.specific(snap, "", scope, res)
}

// lsScope is werf's formattedPathScope: "." is the root.
func lsScope(scope string) string {
	if scope == "." {
		return ""
	}
	return scope
}

type lsWalker struct {
	ctx      context.Context
	m        pathmatch.Matcher
	allFiles bool
}

// specific looks the scope up below prefix in snap (werf's
// processSpecificEntryFilepath) and takes what the matcher takes of it.
func (w *lsWalker) specific(snap *source.Snapshot, prefix, rel string, res *lsResult) error {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		e, err := snap.Lookup(strings.Join(parts[:i], "/"))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.Mode == filemode.Symlink {
			return nil // git's tree lookup does not follow symlinks
		}
		if e.Mode != filemode.Submodule {
			continue
		}
		// The scope lies inside a submodule: look it up there.
		sub, err := openSubmodule(snap, e)
		if err != nil {
			return err
		}
		subPath := path.Join(prefix, e.Path)
		sr := &lsResult{}
		if err := w.specific(sub, subPath, strings.Join(parts[i:], "/"), sr); err != nil {
			return err
		}
		if !sr.empty() {
			res.submodules = append(res.submodules, lsSubmodule{path: subPath, snap: sub, result: sr})
		}
		return nil
	}
	e, err := snap.Lookup(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return w.visit(snap, prefix, e, res)
}

// visit applies werf's rule to one entry; prefix places a submodule's entries
// under the submodule's path.
func (w *lsWalker) visit(snap *source.Snapshot, prefix string, e source.Entry, res *lsResult) error {
	p := joinPath(prefix, e.Path)
	switch e.Mode {
	case filemode.Dir, filemode.Submodule:
		descend := w.m.Descend(p)
		if !descend && !w.m.Match(p) {
			return nil
		}
		if !descend && !w.allFiles {
			res.entries = append(res.entries, lsEntry{path: p, mode: e.Mode, hash: e.Hash})
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("reading the git tree at %s: %w", p, err)
		}
		if e.Mode == filemode.Submodule {
			return w.submodule(snap, prefix, e, res)
		}
		t, err := snap.ReadTree(e.Hash)
		if err != nil {
			return fmt.Errorf("read git tree of %s: %w", p, err)
		}
		for te := range t.Entries() {
			child := source.Entry{Path: joinPath(e.Path, te.Name), Mode: te.Mode, Hash: te.Hash}
			if err := w.visit(snap, prefix, child, res); err != nil {
				return err
			}
		}
	default:
		if w.m.Match(p) {
			res.entries = append(res.entries, lsEntry{path: p, mode: e.Mode, hash: e.Hash})
		}
	}
	return nil
}

// submodule walks a submodule's tree at the commit the gitlink names; what it
// takes there counts as the submodule's own result.
func (w *lsWalker) submodule(snap *source.Snapshot, prefix string, e source.Entry, res *lsResult) error {
	sub, err := openSubmodule(snap, e)
	if err != nil {
		return err
	}
	subPath := joinPath(prefix, e.Path)
	t, err := sub.Tree("")
	if err != nil {
		return err
	}
	sr := &lsResult{}
	for te := range t.Entries() {
		if err := w.visit(sub, subPath, source.Entry{Path: te.Name, Mode: te.Mode, Hash: te.Hash}, sr); err != nil {
			return err
		}
	}
	if !sr.empty() {
		res.submodules = append(res.submodules, lsSubmodule{path: subPath, snap: sub, result: sr})
	}
	return nil
}

func openSubmodule(snap *source.Snapshot, e source.Entry) (*source.Snapshot, error) {
	sub, err := snap.Submodule(e.Path, e.Hash)
	if err != nil {
		return nil, fmt.Errorf("git mapping needs submodule %s: %w", e.Path, err)
	}
	return sub, nil
}

// entryAt is werf's GetCommitTreeEntry: the entry at a repository path, not
// following symlinks, entering submodules; ok is false when there is none.
func entryAt(snap *source.Snapshot, p string) (e source.Entry, ok bool, err error) {
	if p == "" {
		t, err := snap.Tree("")
		if err != nil {
			return source.Entry{}, false, err
		}
		return source.Entry{Path: "", Mode: filemode.Dir, Hash: t.Hash}, true, nil
	}
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		e, err := snap.Lookup(strings.Join(parts[:i], "/"))
		if errors.Is(err, fs.ErrNotExist) {
			return source.Entry{}, false, nil
		}
		if err != nil {
			return source.Entry{}, false, err
		}
		switch e.Mode {
		case filemode.Symlink:
			return source.Entry{}, false, nil
		case filemode.Submodule:
			sub, err := openSubmodule(snap, e)
			if err != nil {
				return source.Entry{}, false, err
			}
			return entryAt(sub, strings.Join(parts[i:], "/"))
		}
	}
	e, err = snap.Lookup(p)
	if errors.Is(err, fs.ErrNotExist) {
		return source.Entry{}, false, nil
	}
	if err != nil {
		return source.Entry{}, false, err
	}
	return e, true, nil
}

// joinPath is path.Join for the walk's hot path: dir is clean and name is a
// tree entry's name.
func joinPath(dir, name string) string {
	switch {
	case dir == "":
		return name
	case name == "":
		return dir
	}
	return dir + "/" + name
}
