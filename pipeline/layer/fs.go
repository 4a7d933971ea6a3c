package layer

import (
	"archive/tar"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"
)

// kind is what a path of a filesystem is.
type kind uint8

const (
	kindDir kind = iota
	kindFile
	kindSymlink
	kindSpecial // a device or a FIFO
)

// node is a path of a filesystem: a directory with its children, a file with
// its content, a symlink with its target.
type node struct {
	kind     kind
	mode     int64 // permission, set-id and sticky bits (07777)
	uid, gid int
	link     string // kindSymlink: the target as written
	data     *blob  // kindFile: the content
	// hdr is the header an image stored the node with (its times, extended
	// attributes, device numbers); nil for a node the stage made.
	hdr      *tar.Header
	children map[string]*node
	// shared nodes belong to a tree that must not change (the base image's):
	// the filesystem copies them before changing them.
	shared bool
}

func newDir(mode int64) *node {
	return &node{kind: kindDir, mode: mode, children: map[string]*node{}}
}

// clone is a node that can be changed: a directory's children are the same
// nodes in a map of its own.
func (n *node) clone() *node {
	c := *n
	c.shared = false
	if n.children != nil {
		c.children = make(map[string]*node, len(n.children))
		for k, v := range n.children {
			c.children[k] = v
		}
	}
	return &c
}

func (n *node) perm() int64 { return n.mode & 0o777 }

// markShared makes a tree read-only for every filesystem that starts from it.
func markShared(n *node) {
	n.shared = true
	for _, c := range n.children {
		markShared(c)
	}
}

// sortedNames are a directory's children's names in byte order, the order
// of os.ReadDir and fs.WalkDir.
func sortedNames(n *node) []string {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Paths inside a filesystem are clean, relative to its root, "" for the root;
// errors show them absolute, as the image's paths.

func cleanPath(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

func join(dir, name string) string {
	switch {
	case dir == "":
		return name
	case name == "" || name == ".":
		return dir
	}
	return dir + "/" + name
}

// split cuts a path that is not the root into its directory and base name.
func split(p string) (string, string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

func parentOf(p string) string {
	d, _ := split(p)
	return d
}

func components(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func pathErr(op, p string, err error) error {
	return &fs.PathError{Op: op, Path: "/" + p, Err: err}
}

// Symlink limits: the kernel's, for the syscalls werf makes, and
// filepath-securejoin's, for werf's resolution of container paths.
const (
	kernelMaxLinks     = 40
	secureJoinMaxLinks = 255
)

// fsys is a filesystem as a stage's steps change it: a tree whose shared
// nodes are the base image's, copied on write.
type fsys struct {
	root    *node
	modTime time.Time // of what the stage makes
}

// walk resolves p as the kernel resolves a path inside the filesystem's root:
// symlinks in every component but the last are followed (an absolute one from
// the root, ".." never above it), the last one too when follow is set. (werf
// makes its syscalls on the host, from outside the container: an absolute
// symlink in the container takes them to the host's own paths. The image's
// paths are what such a link means, and what it means here.) It
// returns the resolved path and its node, nil when the last component does not
// exist; an earlier component that is missing or not a directory is ENOENT or
// ENOTDIR, too many symlinks ELOOP.
func (f *fsys) walk(p string, follow bool) (string, *node, error) {
	rem := components(cleanPath(p))
	cur, curPath := f.root, ""
	links := 0
	for len(rem) > 0 {
		name := rem[0]
		rem = rem[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			curPath = parentOf(curPath)
			_, cur, _ = f.walk(curPath, false) // a resolved directory: it exists
			continue
		}
		if cur.kind != kindDir {
			return "", nil, pathErr("lstat", join(curPath, name), syscall.ENOTDIR)
		}
		child := cur.children[name]
		last := len(rem) == 0
		if child == nil {
			if last {
				return join(curPath, name), nil, nil
			}
			return "", nil, pathErr("lstat", join(curPath, name), syscall.ENOENT)
		}
		if child.kind == kindSymlink && (!last || follow) {
			if links++; links > kernelMaxLinks {
				return "", nil, pathErr("lstat", join(curPath, name), syscall.ELOOP)
			}
			if path.IsAbs(child.link) {
				cur, curPath = f.root, ""
			}
			rem = append(components(strings.Trim(path.Clean(child.link), "/")), rem...)
			continue
		}
		cur, curPath = child, join(curPath, name)
	}
	return curPath, cur, nil
}

// secureJoin is werf's resolveContainerRootPath (filepath-securejoin v0.2.5
// SecureJoin over the mounted root): p with every symlink followed inside the
// root, where a component that is missing, or stands below something that is
// not a directory, is kept as written. It cannot fail but on a symlink loop.
func (f *fsys) secureJoin(p string) (string, error) {
	rem := components(cleanPath(p))
	cur, curPath := f.root, ""
	links := 0
	for len(rem) > 0 {
		name := rem[0]
		rem = rem[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			curPath = parentOf(curPath)
			_, cur, _ = f.walk(curPath, false)
			continue
		}
		var child *node
		if cur != nil && cur.kind == kindDir {
			child = cur.children[name]
		}
		if child != nil && child.kind == kindSymlink {
			if links++; links > secureJoinMaxLinks {
				return "", pathErr("securejoin", join(curPath, name), syscall.ELOOP)
			}
			if path.IsAbs(child.link) {
				cur, curPath = f.root, ""
			}
			rem = append(components(strings.Trim(path.Clean(child.link), "/")), rem...)
			continue
		}
		cur, curPath = child, join(curPath, name)
	}
	return curPath, nil
}

// secureJoinNoFollow is werf's resolveContainerRootPathNoFollow: the parent
// resolved by secureJoin, the last component kept as it is.
func (f *fsys) secureJoinNoFollow(p string) (string, error) {
	p = cleanPath(p)
	if p == "" {
		return "", nil
	}
	dir, base := split(p)
	d, err := f.secureJoin(dir)
	if err != nil {
		return "", err
	}
	return join(d, base), nil
}

// edit is the node at a resolved path that exists, made changeable: shared
// nodes on the way are copied into the tree.
func (f *fsys) edit(p string) *node {
	if f.root.shared {
		f.root = f.root.clone()
	}
	n := f.root
	for _, name := range components(p) {
		c := n.children[name]
		if c.shared {
			c = c.clone()
			n.children[name] = c
		}
		n = c
	}
	return n
}

// attach puts n at a resolved path whose parent is a directory.
func (f *fsys) attach(p string, n *node) {
	dir, name := split(p)
	f.edit(dir).children[name] = n
}

// detach removes what is at a resolved path.
func (f *fsys) detach(p string) {
	dir, name := split(p)
	delete(f.edit(dir).children, name)
}
