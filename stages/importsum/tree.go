package importsum

import "strings"

// kind is what a path of the image is.
type kind uint8

const (
	kindDir kind = iota
	kindFile
	kindSymlink
	kindSpecial // a device or a FIFO: nothing werf can read as a file
)

// node is a path of the image's root filesystem as the layers leave it. A file
// keeps only its content's MD5, a symlink its target.
type node struct {
	kind     kind
	sum      [16]byte // kindFile: MD5 of the content, when hashed
	hashed   bool     // kindFile: sum is known (see Checksum's want)
	link     string   // kindSymlink: the target as written
	children map[string]*node
}

func newDir() *node { return &node{kind: kindDir, children: map[string]*node{}} }

// tree is the root filesystem the layers build, merged the way overlayfs merges
// them (Buildah mounts the source image with it).
type tree struct{ root *node }

func newTree() *tree { return &tree{root: newDir()} }

// cutFirst cuts the first component off a clean relative path.
func cutFirst(p string) (first, rest string) {
	first, rest, _ = strings.Cut(p, "/")
	return first, rest
}

// lookup finds a clean relative path without following symlinks: a component
// that is not a directory ends the search, as lstat fails with ENOTDIR.
func (t *tree) lookup(p string) *node {
	n := t.root
	for rest := p; rest != ""; {
		var c string
		c, rest = cutFirst(rest)
		if n.kind != kindDir {
			return nil
		}
		if n = n.children[c]; n == nil {
			return nil
		}
	}
	return n
}

// dir returns the directory at p, creating it and its parents. Something other
// than a directory in the way is replaced: in overlayfs a directory of an upper
// layer hides whatever a lower one had under that name.
func (t *tree) dir(p string) *node {
	n := t.root
	for rest := p; rest != ""; {
		var c string
		c, rest = cutFirst(rest)
		child := n.children[c]
		if child == nil || child.kind != kindDir {
			child = newDir()
			n.children[c] = child
		}
		n = child
	}
	return n
}

// parentAndBase splits a clean relative path that is not the root.
func parentAndBase(p string) (string, string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// put places n at p (not the root). A directory over a directory merges with it
// (its children stay); anything else replaces what was there.
func (t *tree) put(p string, n *node) {
	parent, base := parentAndBase(p)
	d := t.dir(parent)
	if old := d.children[base]; n.kind == kindDir && old != nil && old.kind == kindDir {
		return
	}
	d.children[base] = n
}

// remove deletes p and everything below it (a whiteout). A path that is not
// there is no error.
func (t *tree) remove(p string) {
	parent, base := parentAndBase(p)
	if d := t.lookup(parent); d != nil && d.kind == kindDir {
		delete(d.children, base)
	}
}

// clear empties the directory at p (an opaque whiteout).
func (t *tree) clear(p string) {
	if d := t.lookup(p); d != nil && d.kind == kindDir {
		clear(d.children)
	}
}
