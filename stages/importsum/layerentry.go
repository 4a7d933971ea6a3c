package importsum

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The OCI whiteouts (image-spec layer.md): ".wh.<name>" deletes <name> of the
// layers below; ".wh..wh..opq" empties the directory it is in of what the layers
// below put there. Other ".wh..wh." names are AUFS bookkeeping with no meaning
// for the merged filesystem.
const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
	aufsMeta       = ".wh..wh."
)

// EntryKind is what an entry of a layer's archive does to the filesystem.
type EntryKind uint8

const (
	// EntryNode puts a file, directory, link or device at Path.
	EntryNode EntryKind = iota
	// EntryWhiteout deletes Path, and all below it, from the layers below.
	EntryWhiteout
	// EntryOpaque empties the directory at Path of what the layers below put there.
	EntryOpaque
)

// LayerEntry is one entry of a layer's archive, as the image's filesystem sees
// it. Whiteouts apply to the layers below only, wherever they stand in the
// archive; the directory holding one is implied by it, as by any entry.
type LayerEntry struct {
	Kind EntryKind
	// Path is clean and relative to the root ("./a/", "/a" and "a" are all
	// "a"; ".." cannot climb above the root); never "" for EntryNode and
	// EntryWhiteout, "" for an opaque root.
	Path string
	// Header is the archive's header of an EntryNode; its Linkname of a hard
	// link is as written (Clean it the same way).
	Header *tar.Header
}

// ReadLayer streams a layer's archive to fn, entry by entry in archive order.
// The content of an EntryNode file is r, readable until fn returns. The root's
// own entry and AUFS bookkeeping are left out.
func ReadLayer(ctx context.Context, l v1.Layer, fn func(e LayerEntry, r io.Reader) error) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := clean(hdr.Name)
		if p == "" {
			continue // the root itself: always a directory
		}
		if strings.HasPrefix(p, aufsMeta) && p != opaqueWhiteout {
			continue // AUFS bookkeeping at the root (.wh..wh.plnk/...)
		}
		e := LayerEntry{Kind: EntryNode, Path: p, Header: hdr}
		dir, base := parentAndBase(p)
		if strings.HasPrefix(base, whiteoutPrefix) {
			switch {
			case base == opaqueWhiteout:
				e = LayerEntry{Kind: EntryOpaque, Path: dir}
			case strings.HasPrefix(base, aufsMeta), base == whiteoutPrefix:
				continue
			default:
				e = LayerEntry{Kind: EntryWhiteout, Path: path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix))}
			}
		}
		if err := fn(e, tr); err != nil {
			return err
		}
	}
}

// Clean is a layer archive's name (or a hard link's target) as a clean path
// relative to the root, "" for the root.
func Clean(name string) string { return clean(name) }

// clean is an archive name as a clean path relative to the root ("" for the
// root): "./a/", "/a" and "a" are all "a", and ".." cannot climb above the root.
func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}
