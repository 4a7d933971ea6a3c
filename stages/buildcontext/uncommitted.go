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
	include, err := pathmatch.New(c.dir, normalizeSources(sources), nil)
	if err != nil {
		return nil, err
	}
	m := pathmatch.All(c.ignoreMatcher(), include)
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
	err = diffTrees(ctx, worktree, committed, current, c.dir, func(p string) {
		if m.Match(p) && !c.isAddFile(p) {
			out = append(out, p)
		}
	})
	slices.Sort(out)
	return out, err
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

// diffTrees reports every file path that differs between two trees, skipping
// subtrees whose hashes are equal.
func diffTrees(ctx context.Context, snap *source.Snapshot, a, b plumbing.Hash, prefix string, changed func(string)) error {
	if a == b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("comparing the build context at %s with the commit: %w", prefix, err)
	}
	ea, err := treeEntries(snap, a)
	if err != nil {
		return err
	}
	eb, err := treeEntries(snap, b)
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
		if inA && inB && x.Hash == y.Hash && x.Mode == y.Mode {
			continue
		}
		dirA, dirB := inA && x.Mode == filemode.Dir, inB && y.Mode == filemode.Dir
		switch {
		case dirA || dirB:
			ha, hb := plumbing.ZeroHash, plumbing.ZeroHash
			if dirA {
				ha = x.Hash
			}
			if dirB {
				hb = y.Hash
			}
			if err := diffTrees(ctx, snap, ha, hb, p, changed); err != nil {
				return err
			}
			if (inA && !dirA) || (inB && !dirB) {
				changed(p) // a file became a directory or the reverse
			}
		default:
			changed(p)
		}
	}
	return nil
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
