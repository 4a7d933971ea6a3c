package buildcontext

import (
	"context"
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

// Uncommitted lists the files that COPY/ADD sources take from the context whose
// working-tree content differs from the commit (changed, added or deleted), as
// werf's giterminism refuses them: the build would not see what the developer
// sees. contextAddFiles, which come from the working tree anyway, do not count.
// worktree is the working tree taken as a commit (source.WithWorktree).
func (c *Context) Uncommitted(ctx context.Context, worktree *source.Snapshot, sources []string) ([]string, error) {
	m, err := c.takes(sources)
	if err != nil {
		return nil, err
	}
	committed, err := treeHash(c.snap, c.dir)
	if err != nil {
		return nil, err
	}
	current, err := treeHash(worktree, c.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	// The working tree's objects include the commit's: one store reads both trees.
	d := &treeDiff{ctx: ctx, a: worktree, b: worktree, report: func(p string, _, _ *source.TreeEntry) {
		if m.Match(p) && !c.isAddFile(p) {
			out = append(out, p)
		}
	}}
	if err := d.walk(committed, current, c.dir); err != nil {
		return nil, fmt.Errorf("comparing the build context %s with the working tree: %w", contextName(c.dir), err)
	}
	slices.Sort(out)
	return out, nil
}

// FileChangeKind says how a file of a build context differs between two commits.
type FileChangeKind string

const (
	FileAdded   FileChangeKind = "added"
	FileChanged FileChangeKind = "changed"
	FileRemoved FileChangeKind = "removed"
)

// FileChange is a file that COPY/ADD sources take from a build context and that
// differs between two commits.
type FileChange struct {
	Path string // relative to the build context
	Kind FileChangeKind
}

// ChangedFiles lists the files that sources take from c and that differ from what
// oldSources take from old, the same context at another commit: added (taken now,
// not then), removed (taken then, not now) or changed (taken by both, another
// object or mode). It compares git trees and object hashes, reading no file; a
// submodule counts as its commit. contextAddFiles, read from the working tree as
// it was, are not seen. The list is sorted by path.
func (c *Context) ChangedFiles(ctx context.Context, old *Context, oldSources, sources []string) ([]FileChange, error) {
	mOld, err := old.takes(oldSources)
	if err != nil {
		return nil, err
	}
	mNew, err := c.takes(sources)
	if err != nil {
		return nil, err
	}
	hOld, err := treeHash(old.snap, old.dir)
	if err != nil {
		return nil, err
	}
	hNew, err := treeHash(c.snap, c.dir)
	if err != nil {
		return nil, err
	}
	var out []FileChange
	d := &treeDiff{
		ctx: ctx, a: old.snap, b: c.snap,
		// Nothing below a directory that neither side enters or takes can count.
		skip: func(p string) bool {
			po, pn := path.Join(old.dir, p), path.Join(c.dir, p)
			return !mOld.Descend(po) && !mOld.Match(po) && !mNew.Descend(pn) && !mNew.Match(pn)
		},
		report: func(p string, x, y *source.TreeEntry) {
			takenOld := x != nil && taken(mOld, path.Join(old.dir, p), x.Mode)
			takenNew := y != nil && taken(mNew, path.Join(c.dir, p), y.Mode)
			switch {
			case takenOld && takenNew:
				if x.Hash != y.Hash || x.Mode != y.Mode {
					out = append(out, FileChange{Path: p, Kind: FileChanged})
				}
			case takenNew:
				out = append(out, FileChange{Path: p, Kind: FileAdded})
			case takenOld:
				out = append(out, FileChange{Path: p, Kind: FileRemoved})
			}
		},
	}
	if !c.sameRules(old, oldSources, sources) {
		// Other rules may take an unchanged file on one side only: equal subtrees
		// are walked too, unless both sides take them whole or not at all.
		d.walkEqual = func(p string) bool {
			po, pn := path.Join(old.dir, p), path.Join(c.dir, p)
			return mOld.Descend(po) || mNew.Descend(pn) || mOld.Match(po) != mNew.Match(pn)
		}
	}
	if err := d.walk(hOld, hNew, ""); err != nil {
		return nil, fmt.Errorf("comparing the build context %s with %s: %w", contextName(c.dir), old.revision(), err)
	}
	slices.SortFunc(out, func(a, b FileChange) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// sameRules reports whether old's oldSources and c's sources take the same paths
// of a tree, so that equal subtrees are equal contributions.
func (c *Context) sameRules(old *Context, oldSources, sources []string) bool {
	return c.dir == old.dir && (c.ignore == nil) == (old.ignore == nil) && slices.Equal(c.ignoreKey, old.ignoreKey) &&
		slices.Equal(normalizeSources(oldSources), normalizeSources(sources))
}

// taken is whether the checksum walk takes an entry: a submodule it enters counts
// as taken, as a part of it is.
func taken(m pathmatch.Matcher, p string, mode filemode.FileMode) bool {
	return m.Match(p) || (mode == filemode.Submodule && m.Descend(p))
}

func (c *Context) isAddFile(p string) bool {
	rel := strings.TrimPrefix(strings.TrimPrefix(p, c.dir), "/")
	for _, f := range c.addFiles {
		f = path.Clean(f)
		if rel == f || strings.HasPrefix(rel, f+"/") {
			return true
		}
	}
	return false
}

// treeHash is the tree at a project-relative directory, the zero hash when absent.
func treeHash(s *source.Snapshot, dir string) (plumbing.Hash, error) {
	e, err := s.Lookup(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return plumbing.ZeroHash, nil
	case err != nil:
		return plumbing.ZeroHash, err
	case !e.IsDir():
		return plumbing.ZeroHash, nil
	}
	return e.Hash, nil
}

// treeDiff walks two trees side by side, each read from its own snapshot, and
// reports the non-directory entries that differ, skipping equal subtrees.
type treeDiff struct {
	ctx  context.Context
	a, b *source.Snapshot
	// walkEqual, when set, says whether equal directories at a path are walked
	// anyway; the equal entries met there are reported too. Nil never walks them.
	walkEqual func(dir string) bool
	// skip, when set, says a directory on either side holds nothing of interest.
	skip func(dir string) bool
	// report is called with an entry's path under the walk's prefix and its entry
	// on each side, nil where it is absent or a directory.
	report func(p string, a, b *source.TreeEntry)
}

func (d *treeDiff) walk(a, b plumbing.Hash, prefix string) error {
	if a == b && (d.walkEqual == nil || !d.walkEqual(prefix)) {
		return nil
	}
	if err := d.ctx.Err(); err != nil {
		return fmt.Errorf("comparing trees at %s: %w", prefix, err)
	}
	ea, err := treeEntries(d.a, a)
	if err != nil {
		return err
	}
	eb, err := treeEntries(d.b, b)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for n := range ea {
		names[n] = true
	}
	for n := range eb {
		names[n] = true
	}
	for n := range names {
		x, inA := ea[n]
		y, inB := eb[n]
		p := path.Join(prefix, n)
		dirA, dirB := inA && x.Mode == filemode.Dir, inB && y.Mode == filemode.Dir
		if !dirA && !dirB {
			if inA && inB && x.Hash == y.Hash && x.Mode == y.Mode && d.walkEqual == nil {
				continue
			}
			d.report(p, entryOrNil(x, inA), entryOrNil(y, inB))
			continue
		}
		if d.skip == nil || !d.skip(p) {
			ha, hb := plumbing.ZeroHash, plumbing.ZeroHash
			if dirA {
				ha = x.Hash
			}
			if dirB {
				hb = y.Hash
			}
			if err := d.walk(ha, hb, p); err != nil {
				return err
			}
		}
		// A file became a directory or the reverse.
		if inA && !dirA {
			d.report(p, &x, nil)
		}
		if inB && !dirB {
			d.report(p, nil, &y)
		}
	}
	return nil
}

func entryOrNil(e source.TreeEntry, ok bool) *source.TreeEntry {
	if !ok {
		return nil
	}
	return &e
}

func treeEntries(snap *source.Snapshot, h plumbing.Hash) (map[string]source.TreeEntry, error) {
	out := map[string]source.TreeEntry{}
	if h.IsZero() {
		return out, nil
	}
	t, err := snap.ReadTree(h)
	if err != nil {
		return nil, err
	}
	for e := range t.Entries() {
		out[e.Name] = e
	}
	return out, nil
}
