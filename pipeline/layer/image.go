package layer

import (
	"archive/tar"
	"context"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/stages/importsum"
)

// image is an image's root filesystem as its layers leave it, merged the way
// overlayfs merges them for Buildah: metadata of every path, and the contents
// of the files wanted when it was read (the others are read when needed, see
// fetch).
type image struct {
	name string   // for messages: "the previous stage", "the import source"
	img  v1.Image // nil: scratch
	root *node    // shared: never changed
	sp   *spool
}

// readImage reads an image's layers in order; keep says which regular files'
// contents to keep on the way.
func readImage(ctx context.Context, img v1.Image, name string, keep func(p string) bool, sp *spool) (*image, error) {
	im := &image{name: name, img: img, root: newDir(0o755), sp: sp}
	if img != nil {
		layers, err := img.Layers()
		if err != nil {
			return nil, fmt.Errorf("read the layers of %s: %w", name, err)
		}
		for i, l := range layers {
			if err := im.readLayer(ctx, i, l, keep); err != nil {
				if d, derr := l.Digest(); derr == nil {
					return nil, fmt.Errorf("layer %d (%s) of %s: %w", i+1, d, name, err)
				}
				return nil, fmt.Errorf("layer %d of %s: %w", i+1, name, err)
			}
		}
	}
	markShared(im.root)
	return im, nil
}

// entryChange is one entry of a layer: a node, or a hard link to a path.
type entryChange struct {
	path     string
	node     *node
	hardlink string
	whiteout bool // the directory holding a whiteout: only made when missing
}

// readLayer applies one layer: its whiteouts on what lies below, then its
// entries in archive order (a later entry for a path wins).
func (im *image) readLayer(ctx context.Context, layer int, l v1.Layer, keep func(string) bool) error {
	var opaque, whiteouts []string
	var adds []entryChange
	entry := -1
	err := importsum.ReadLayer(ctx, l, func(e importsum.LayerEntry, content io.Reader) error {
		entry++
		switch e.Kind {
		case importsum.EntryOpaque:
			opaque = append(opaque, e.Path)
			if e.Path != "" {
				adds = append(adds, entryChange{path: e.Path, whiteout: true})
			}
			return nil
		case importsum.EntryWhiteout:
			whiteouts = append(whiteouts, e.Path)
			if dir := parentOf(e.Path); dir != "" {
				adds = append(adds, entryChange{path: dir, whiteout: true})
			}
			return nil
		}
		h := e.Header
		n := &node{mode: h.Mode & 0o7777, uid: h.Uid, gid: h.Gid, hdr: h}
		switch h.Typeflag {
		case tar.TypeDir:
			n.kind, n.children = kindDir, map[string]*node{}
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
			n.kind = kindFile
			n.data = &blob{size: h.Size, from: im, layer: layer, entry: entry}
			if keep(e.Path) && im.sp != nil {
				if err := im.sp.keep(n.data, content, h.Size); err != nil {
					return err
				}
			}
		case tar.TypeSymlink:
			n.kind, n.link = kindSymlink, h.Linkname
		case tar.TypeLink:
			adds = append(adds, entryChange{path: e.Path, hardlink: importsum.Clean(h.Linkname)})
			return nil
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			n.kind = kindSpecial
		default:
			return nil // global PAX headers and the like describe no file
		}
		adds = append(adds, entryChange{path: e.Path, node: n})
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range opaque {
		if n := im.lookup(d); n != nil && n.kind == kindDir {
			clear(n.children)
		}
	}
	for _, p := range whiteouts {
		if d := im.lookup(parentOf(p)); d != nil && d.kind == kindDir {
			_, name := split(p)
			delete(d.children, name)
		}
	}
	for _, c := range adds {
		dir, name := split(c.path)
		parent := im.dir(dir)
		old := parent.children[name]
		switch {
		case c.whiteout:
			im.dir(c.path)
		case c.hardlink != "":
			src := im.lookup(c.hardlink)
			if src == nil || src.kind == kindDir {
				return fmt.Errorf("hard link /%s: its target /%s is not a file of this layer or those below", c.path, c.hardlink)
			}
			cp := *src // the same content; later changes to either path part them
			parent.children[name] = &cp
		case c.node.kind == kindDir && old != nil && old.kind == kindDir:
			// A directory over a directory: its own metadata, the children of both.
			old.mode, old.uid, old.gid, old.hdr = c.node.mode, c.node.uid, c.node.gid, c.node.hdr
		default:
			parent.children[name] = c.node
		}
	}
	return nil
}

// lookup finds a path without following symlinks; nil when it is not there.
func (im *image) lookup(p string) *node {
	n := im.root
	for _, name := range components(p) {
		if n.kind != kindDir {
			return nil
		}
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// dir is the directory at p, made with its parents when missing (0755,
// root's): whatever else is in the way is hidden by it, as by an upper
// layer's directory in overlayfs.
func (im *image) dir(p string) *node {
	n := im.root
	for _, name := range components(p) {
		c := n.children[name]
		if c == nil || c.kind != kindDir {
			c = newDir(0o755)
			n.children[name] = c
		}
		n = c
	}
	return n
}

// fetch reads the contents of files of images not kept when they were read:
// the layers holding them are read once more.
func fetch(ctx context.Context, blobs []*blob) error {
	type key struct{ layer, entry int }
	pending := map[*image]map[key][]*blob{}
	for _, b := range blobs {
		if b.read != nil || b.from == nil {
			continue
		}
		m := pending[b.from]
		if m == nil {
			m = map[key][]*blob{}
			pending[b.from] = m
		}
		k := key{b.layer, b.entry}
		m[k] = append(m[k], b)
	}
	for im, want := range pending {
		layers, err := im.img.Layers()
		if err != nil {
			return fmt.Errorf("read the layers of %s: %w", im.name, err)
		}
		byLayer := map[int]bool{}
		for k := range want {
			byLayer[k.layer] = true
		}
		for i, l := range layers {
			if !byLayer[i] {
				continue
			}
			entry := -1
			err := importsum.ReadLayer(ctx, l, func(_ importsum.LayerEntry, content io.Reader) error {
				entry++
				bs := want[key{i, entry}]
				if len(bs) == 0 {
					return nil
				}
				if err := im.sp.keep(bs[0], content, bs[0].size); err != nil {
					return err
				}
				for _, b := range bs[1:] {
					b.read = bs[0].read
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("layer %d of %s: %w", i+1, im.name, err)
			}
		}
	}
	return nil
}
