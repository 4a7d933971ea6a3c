package layer

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"maps"
	"time"
)

// layerEntry is one entry of the layer: a node at a path, or a whiteout.
type layerEntry struct {
	path     string
	node     *node
	whiteout bool
	modTime  time.Time // of what the stage made
}

// diff lists what the stage changed, in path order, parents first: every node
// it made or changed, the directories above each, and a whiteout for each path
// of the previous stage it removed. Untouched nodes are the base's own and are
// skipped with all below them. The root is never listed: Buildah's commit
// leaves it out, so a change werf makes to it (an import to / chmods it) is not
// in werf's image either.
func (b *Builder) diff(ctx context.Context) ([]layerEntry, error) {
	var out []layerEntry
	var walk func(p string, w, base *node)
	walk = func(p string, w, base *node) {
		if w == base {
			return
		}
		if p != "" {
			out = append(out, layerEntry{path: p, node: w})
		}
		if w.kind != kindDir {
			return
		}
		var old map[string]*node
		if base != nil && base.kind == kindDir {
			old = base.children
		}
		for _, name := range sortedNames(&node{children: old}) {
			if _, ok := w.children[name]; !ok {
				out = append(out, layerEntry{path: join(p, name), whiteout: true})
			}
		}
		for _, name := range sortedNames(w) {
			walk(join(p, name), w.children[name], old[name])
		}
	}
	walk("", b.fs.root, b.baseImg.root)
	var blobs []*blob
	for _, e := range out {
		if e.node != nil && e.node.kind == kindFile {
			blobs = append(blobs, e.node.data)
		}
	}
	if err := fetch(ctx, blobs); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].modTime = b.opts.modTime
	}
	return out, nil
}

// writeTar writes the entries as a tar archive.
func writeTar(w io.Writer, entries []layerEntry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		h := e.header()
		var content io.Reader
		if h.Typeflag == tar.TypeReg && !e.whiteout {
			r, size, err := e.node.data.open()
			if err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
			content, h.Size = r, size
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		if content == nil || h.Size == 0 {
			continue
		}
		if n, err := io.CopyN(tw, content, h.Size); err != nil {
			return fmt.Errorf("%s: %d bytes of %d: %w", h.Name, n, h.Size, err)
		}
	}
	return tw.Close()
}

// header is an entry's tar header: a node keeps the times and extended
// attributes its image stored it with; what the stage made has modTime.
func (e layerEntry) header() *tar.Header {
	if e.whiteout {
		dir, name := split(e.path)
		return &tar.Header{Name: join(dir, ".wh."+name), Typeflag: tar.TypeReg, ModTime: e.modTime}
	}
	n := e.node
	h := &tar.Header{ModTime: e.modTime}
	if n.hdr != nil {
		h.ModTime = n.hdr.ModTime
		h.PAXRecords = maps.Clone(n.hdr.PAXRecords)
		h.Devmajor, h.Devminor = n.hdr.Devmajor, n.hdr.Devminor
		h.Typeflag = n.hdr.Typeflag
	}
	h.Name, h.Mode, h.Uid, h.Gid = e.path, n.mode, n.uid, n.gid
	switch n.kind {
	case kindDir:
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case kindFile:
		h.Typeflag = tar.TypeReg // its size is the content's, once opened
	case kindSymlink:
		h.Typeflag, h.Linkname = tar.TypeSymlink, n.link
	}
	return h
}
