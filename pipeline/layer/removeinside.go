package layer

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// RemoveInside is what werf's from stage does to the mount points of an image
// with mounts (RemoveData with RemoveInsidePath): everything inside each
// directory removed, the directory kept. It is a layer of whiteouts over the
// base's entries there, or nil when the base has nothing inside any of them.
func RemoveInside(base v1.Image, dirs []string) (v1.Layer, error) {
	inside := map[string]bool{} // the entries to white out: direct children of dirs
	var clean []string
	for _, d := range dirs {
		clean = append(clean, strings.Trim(path.Clean("/"+d), "/"))
	}
	rc := mutate.Extract(base)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read the base image: %w", err)
		}
		name := strings.Trim(path.Clean("/"+h.Name), "/")
		for _, d := range clean {
			if d == "" {
				continue // a mount at / is refused by the config
			}
			if rel, ok := strings.CutPrefix(name, d+"/"); ok && rel != "" {
				first, _, _ := strings.Cut(rel, "/")
				inside[d+"/"+first] = true
			}
		}
	}
	if len(inside) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range slices.Sorted(maps.Keys(inside)) {
		wh := path.Join(path.Dir(p), ".wh."+path.Base(p))
		if err := tw.WriteHeader(&tar.Header{Name: wh, Typeflag: tar.TypeReg, Mode: 0o600}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}
