package lstree

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Options are werf's LsTreeOptions beyond the scope and the matcher.
type Options struct {
	// AllFiles walks a directory or submodule the matcher takes whole for its
	// files instead of taking it as one entry (werf's AllFiles).
	AllFiles bool
}

// Walk is werf's LsTree of snap with a path scope (project-relative; "" or
// "." is the whole project) and a matcher (nil takes everything in the
// scope). It stops at the next directory it would enter once ctx is done.
func Walk(ctx context.Context, snap *source.Snapshot, scope string, m pathmatch.Matcher, opts Options) (*Result, error) {
	if scope == "." {
		scope = "" // werf's formattedPathScope
	}
	scopeM, _ := pathmatch.New(scope, nil, nil) // no globs: cannot fail
	w := &walker{ctx: ctx, m: pathmatch.All(scopeM, m), allFiles: opts.AllFiles}
	hops, e, ok, err := find(snap, scope)
	if err != nil || !ok {
		return &Result{}, err
	}
	// The scope may lie in a submodule (in one in a submodule…): what is taken
	// there is that submodule's result, and each one out holds the next.
	prefix, inner := "", snap
	if len(hops) > 0 {
		last := hops[len(hops)-1]
		prefix, inner = last.path, last.snap
	}
	res := &Result{}
	if err := w.visit(inner, prefix, e, res); err != nil {
		return nil, err
	}
	for i := len(hops) - 1; i >= 0 && !res.Empty(); i-- {
		res = &Result{Submodules: []Submodule{{Path: hops[i].path, Snap: hops[i].snap, Result: res}}}
	}
	return res, nil
}

type walker struct {
	ctx      context.Context
	m        pathmatch.Matcher
	allFiles bool
}

// visit applies werf's rule to one entry of snap; prefix places a submodule's
// entries under the submodule's path in the project.
func (w *walker) visit(snap *source.Snapshot, prefix string, e source.Entry, res *Result) error {
	p := e.Path
	if prefix != "" {
		p = path.Join(prefix, e.Path)
	}
	switch e.Mode {
	case filemode.Dir, filemode.Submodule:
		if !w.m.Descend(p) {
			if !w.m.Match(p) {
				return nil
			}
			if !w.allFiles {
				res.Entries = append(res.Entries, Entry{Path: p, Mode: e.Mode, Hash: e.Hash})
				return nil
			}
		}
		// A large tree takes long to walk: stop at each directory once ctx is done.
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("reading the git tree at %s: %w", p, err)
		}
		if e.Mode == filemode.Submodule {
			return w.submodule(snap, p, e, res)
		}
		t, err := snap.ReadTree(e.Hash)
		if err != nil {
			return fmt.Errorf("read git tree of %s: %w", p, err)
		}
		for te := range t.Entries() {
			child := source.Entry{Path: join(e.Path, te.Name), Mode: te.Mode, Hash: te.Hash}
			if err := w.visit(snap, prefix, child, res); err != nil {
				return err
			}
		}
	default:
		if w.m.Match(p) {
			res.Entries = append(res.Entries, Entry{Path: p, Mode: e.Mode, Hash: e.Hash})
		}
	}
	return nil
}

// submodule walks the tree of the commit a gitlink of snap names; p is the
// gitlink's path in the project. What is taken there is the submodule's own
// result, kept, as werf's lsTreeSubmoduleEntryMatch keeps it, only when it has
// entries of its own: one that took files only in a nested submodule is
// dropped with them.
func (w *walker) submodule(snap *source.Snapshot, p string, e source.Entry, res *Result) error {
	sub, err := snap.Submodule(e.Path, e.Hash)
	if err != nil {
		return err
	}
	root, err := sub.Lookup("")
	if err != nil {
		return err
	}
	t, err := sub.ReadTree(root.Hash)
	if err != nil {
		return fmt.Errorf("read git tree of %s: %w", p, err)
	}
	sr := &Result{}
	for te := range t.Entries() {
		if err := w.visit(sub, p, source.Entry{Path: join("", te.Name), Mode: te.Mode, Hash: te.Hash}, sr); err != nil {
			return err
		}
	}
	if len(sr.Entries) > 0 {
		res.Submodules = append(res.Submodules, Submodule{Path: p, Snap: sub, Result: sr})
	}
	return nil
}

// join is path.Join(dir, name) for the walk's hot path, where dir is clean (a
// join made it) and name a tree entry's: such a name needs no cleaning unless
// it is one git refuses to write. werf joins with filepath.Join, which cleans.
func join(dir, name string) string {
	switch {
	case dir == "." || name == "" || name == "." || name == ".." || strings.Contains(name, "/"):
		return path.Join(dir, name)
	case dir == "":
		return name
	}
	return dir + "/" + name
}
