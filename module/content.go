package module

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// rootFile is a file at the root of an image as its layers, flattened, have
// it: the topmost layer's entry for the name.
type rootFile struct {
	Entry    string // the entry's name as the layer wrote it ("./version.json")
	Typeflag byte
	Content  []byte // a regular file's bytes
}

// maxRootFile bounds what is read of one file: the files Deckhouse reads
// from a module's images are small.
const maxRootFile = 4 << 20

// The whiteouts of the layer format: .wh.NAME deletes NAME from the layers
// below; .wh..wh..opq in a directory hides everything below in it.
const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// rootFiles reads the files with these names at the root of img, as the
// flattened filesystem has them: layers are read from the top, the first entry
// of a name wins and whiteouts hide what is below them. Names are compared as
// Deckhouse's module reader compares them after a flattening that cleans
// names (no "./" or "/", lower case); the entry's own name is kept, so that a
// caller can tell "./version.json" from "version.json".
func rootFiles(img v1.Image, names ...string) (map[string]rootFile, error) {
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	found := map[string]rootFile{}
	decided := map[string]bool{} // found, or deleted by a whiteout above
	for i := len(layers) - 1; i >= 0 && len(decided) < len(wanted); i-- {
		opaque, err := readLayer(layers[i], i, wanted, decided, found)
		if err != nil {
			return nil, err
		}
		if opaque {
			break // the layers below are hidden
		}
	}
	return found, nil
}

// readLayer reads one layer's root entries; opaque is a root that hides the
// layers below.
func readLayer(l v1.Layer, i int, wanted, decided map[string]bool, found map[string]rootFile) (opaque bool, err error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return false, fmt.Errorf("layer %d: %w", i, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var deleted []string // applied after the layer: a whiteout hides only the layers below
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, fmt.Errorf("layer %d: %w", i, err)
		}
		clean := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if strings.Contains(clean, "/") {
			continue // not at the root
		}
		switch {
		case clean == opaqueWhiteout:
			opaque = true
			continue
		case strings.HasPrefix(clean, whiteoutPrefix):
			deleted = append(deleted, strings.ToLower(strings.TrimPrefix(clean, whiteoutPrefix)))
			continue
		}
		key := strings.ToLower(clean)
		if !wanted[key] || decided[key] {
			continue
		}
		f := rootFile{Entry: h.Name, Typeflag: h.Typeflag}
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA { //nolint:staticcheck // old tars write TypeRegA
			if h.Size > maxRootFile {
				return false, fmt.Errorf("layer %d: %s is %d bytes, more than the %d this reads", i, h.Name, h.Size, maxRootFile)
			}
			if f.Content, err = io.ReadAll(io.LimitReader(tr, maxRootFile)); err != nil {
				return false, fmt.Errorf("layer %d: %s: %w", i, h.Name, err)
			}
		}
		found[key] = f
		decided[key] = true
	}
	for _, d := range deleted {
		if wanted[d] {
			decided[d] = true
		}
	}
	return opaque, nil
}
