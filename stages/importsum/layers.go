package importsum

import (
	"archive/tar"
	"context"
	"crypto/md5"
	"fmt"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// layerChanges is what one layer does to the filesystem below it. Whiteouts
// apply to the layers below only, wherever they stand in the archive, so they are
// gathered first and applied before the layer's own entries.
type layerChanges struct {
	opaque    []string
	whiteouts []string
	adds      []change
}

// change is one entry of a layer: a node, or a hard link to another path.
type change struct {
	path     string
	node     *node
	hardlink string // the path linked to, when node is nil
}

// build applies the image's layers in order to an empty tree. want says which
// regular files to hash: the others keep only their kind.
func build(ctx context.Context, img v1.Image, want func(string) bool) (*tree, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read the layers of the source image: %w", err)
	}
	t := newTree()
	r := &reader{want: want, buf: make([]byte, 64<<10), md5: md5.New()}
	for i, l := range layers {
		ch, err := r.layer(ctx, l)
		if err == nil {
			err = t.apply(ch)
		}
		if err != nil {
			if d, derr := l.Digest(); derr == nil {
				return nil, fmt.Errorf("layer %d (%s) of the source image: %w", i+1, d, err)
			}
			return nil, fmt.Errorf("layer %d of the source image: %w", i+1, err)
		}
	}
	return t, nil
}

// reader reads layers, with what it needs for every file made once.
type reader struct {
	want func(string) bool
	buf  []byte
	md5  hash.Hash
}

// layer reads one layer's archive, hashing the content of wanted files as it
// streams past.
func (r *reader) layer(ctx context.Context, l v1.Layer) (*layerChanges, error) {
	ch := &layerChanges{}
	err := ReadLayer(ctx, l, func(e LayerEntry, content io.Reader) error {
		p := e.Path
		switch e.Kind {
		case EntryOpaque:
			ch.opaque = append(ch.opaque, p)
		case EntryWhiteout:
			ch.whiteouts = append(ch.whiteouts, p)
		}
		if e.Kind != EntryNode {
			// The directory holding a whiteout is in this layer too.
			if dir, _ := parentAndBase(p); e.Kind == EntryWhiteout && dir != "" {
				ch.adds = append(ch.adds, change{path: dir, node: newDir()})
			} else if e.Kind == EntryOpaque && p != "" {
				ch.adds = append(ch.adds, change{path: p, node: newDir()})
			}
			return nil
		}
		hdr := e.Header
		switch hdr.Typeflag {
		case tar.TypeDir:
			ch.adds = append(ch.adds, change{path: p, node: newDir()})
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
			n := &node{kind: kindFile}
			if r.want(p) {
				r.md5.Reset()
				if _, err := io.CopyBuffer(r.md5, content, r.buf); err != nil {
					return fmt.Errorf("read %s: %w", p, err)
				}
				r.md5.Sum(n.sum[:0])
				n.hashed = true
			}
			ch.adds = append(ch.adds, change{path: p, node: n})
		case tar.TypeSymlink:
			ch.adds = append(ch.adds, change{path: p, node: &node{kind: kindSymlink, link: hdr.Linkname}})
		case tar.TypeLink:
			ch.adds = append(ch.adds, change{path: p, hardlink: clean(hdr.Linkname)})
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			ch.adds = append(ch.adds, change{path: p, node: &node{kind: kindSpecial}})
		default:
			// Global PAX headers and the like describe no file.
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// apply makes a layer's changes: its whiteouts on what lies below, then its
// entries in archive order (a later entry for a path wins).
func (t *tree) apply(ch *layerChanges) error {
	for _, d := range ch.opaque {
		t.clear(d)
	}
	for _, p := range ch.whiteouts {
		t.remove(p)
	}
	for _, c := range ch.adds {
		n := c.node
		if n == nil {
			src := t.lookup(c.hardlink)
			if src == nil || src.kind == kindDir {
				return fmt.Errorf("hard link %s: its target %s is not a file of this layer or those below", c.path, c.hardlink)
			}
			cp := *src // the same content; later changes to either path part them
			n = &cp
		}
		t.put(c.path, n)
	}
	return nil
}
