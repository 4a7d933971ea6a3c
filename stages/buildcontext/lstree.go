package buildcontext

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

// tree is what a walk takes: entries of the main repository and, for submodules
// taken in part, what was taken inside them.
type tree struct {
	entries    []entry
	submodules []submodule
}

type entry struct {
	path string        // project-relative
	hash plumbing.Hash // git object hash
}

type submodule struct {
	path string
	tree *tree
}

// checksum hashes the taken entries' object hashes (in hex) in path order (paths
// themselves are not hashed), then each partly taken submodule's own checksum in
// path order; "" when nothing was taken.
func (t *tree) checksum() string {
	if len(t.entries) == 0 && len(t.submodules) == 0 {
		return ""
	}
	slices.SortFunc(t.entries, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	slices.SortFunc(t.submodules, func(a, b submodule) int { return strings.Compare(a.path, b.path) })
	h := sha256.New()
	var hexHash [2 * len(plumbing.ZeroHash)]byte
	for _, e := range t.entries {
		hex.Encode(hexHash[:], e.hash[:])
		h.Write(hexHash[:])
	}
	for _, s := range t.submodules {
		if sum := s.tree.checksum(); sum != "" {
			h.Write([]byte(sum))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lsTree walks the context as werf's ls-tree does: a directory the matcher wants
// to enter is walked entry by entry, one it takes whole counts as its tree hash, a
// file counts when taken.
func (c *Context) lsTree(ctx context.Context, m pathmatch.Matcher) (*tree, error) {
	c.walks.Add(1)
	scope, _ := pathmatch.New(c.dir, nil, nil)
	w := &walker{ctx: ctx, m: pathmatch.All(scope, m)}
	e, err := c.snap.Lookup(c.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &tree{}, nil
	case err != nil:
		return nil, err
	}
	t := &tree{}
	if err := w.visit(c.snap, "", e, t); err != nil {
		return nil, err
	}
	return t, nil
}

type walker struct {
	ctx context.Context
	m   pathmatch.Matcher
}

// visit applies werf's rule to one entry; prefix places a submodule's entries
// under the submodule's path in the project.
func (w *walker) visit(snap *source.Snapshot, prefix string, e source.Entry, t *tree) error {
	p := e.Path
	if prefix != "" {
		p = path.Join(prefix, e.Path)
	}
	switch e.Mode {
	case filemode.Dir:
		switch {
		case w.m.Descend(p):
			// A large context takes long to walk: stop at each directory once ctx is done.
			if err := w.ctx.Err(); err != nil {
				return fmt.Errorf("walking the build context at %s: %w", p, err)
			}
			sub, err := snap.ReadTree(e.Hash)
			if err != nil {
				return fmt.Errorf("read git tree of %s: %w", p, err)
			}
			for te := range sub.Entries() {
				child := source.Entry{Path: join(e.Path, te.Name), Mode: te.Mode, Hash: te.Hash}
				if err := w.visit(snap, prefix, child, t); err != nil {
					return err
				}
			}
		case w.m.Match(p):
			t.entries = append(t.entries, entry{path: p, hash: e.Hash})
		}
	case filemode.Submodule:
		switch {
		case w.m.Descend(p):
			if err := w.ctx.Err(); err != nil {
				return fmt.Errorf("walking the build context at %s: %w", p, err)
			}
			sub, err := snap.Submodule(e.Path, e.Hash)
			if err != nil {
				return err
			}
			root, err := sub.Lookup("")
			if err != nil {
				return err
			}
			st := &tree{}
			if err := w.visitRoot(sub, p, root, st); err != nil {
				return err
			}
			if len(st.entries) > 0 || len(st.submodules) > 0 {
				t.submodules = append(t.submodules, submodule{path: p, tree: st})
			}
		case w.m.Match(p):
			t.entries = append(t.entries, entry{path: p, hash: e.Hash})
		}
	default:
		if w.m.Match(p) {
			t.entries = append(t.entries, entry{path: p, hash: e.Hash})
		}
	}
	return nil
}

// visitRoot walks the entries of a submodule's root tree.
func (w *walker) visitRoot(snap *source.Snapshot, prefix string, root source.Entry, t *tree) error {
	sub, err := snap.ReadTree(root.Hash)
	if err != nil {
		return fmt.Errorf("read git tree of %s: %w", prefix, err)
	}
	for te := range sub.Entries() {
		if err := w.visit(snap, prefix, source.Entry{Path: join("", te.Name), Mode: te.Mode, Hash: te.Hash}, t); err != nil {
			return err
		}
	}
	return nil
}

// join is path.Join(dir, name) for the walk's hot path, where dir is clean (a
// path join made) and name a tree entry's: such a name needs no cleaning unless it
// is one git refuses to write.
func join(dir, name string) string {
	switch {
	case dir == "." || name == "" || name == "." || name == ".." || strings.Contains(name, "/"):
		return path.Join(dir, name)
	case dir == "":
		return name
	}
	return dir + "/" + name
}
