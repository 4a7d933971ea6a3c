package layer

import (
	"archive/tar"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tarLayer is a layer of the named entries; a name ending in / is a directory.
func tarLayer(t *testing.T, names ...string) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		h := &tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644}
		if n[len(n)-1] == '/' {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		require.NoError(t, tw.WriteHeader(h))
	}
	require.NoError(t, tw.Close())
	return bytes.NewReader(buf.Bytes())
}

// entries lists an image's flattened filesystem, directories ending in /.
func entries(t *testing.T, img v1.Image) []string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		name := strings.TrimSuffix(h.Name, "/")
		if h.Typeflag == tar.TypeDir {
			name += "/"
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func TestRemoveInside(t *testing.T) {
	base := [][]string{
		{"var/", "var/cache/", "var/cache/apk/", "var/cache/apk/index", "var/cache/apk/sub/", "var/cache/apk/sub/f", "var/cache/keep", "tmp/"},
		{"tmp/.x", "etc/", "etc/conf"},
	}
	for _, tc := range []struct {
		name string
		dirs []string
		want []string // the filesystem after the layer
	}{
		{"a mount point's content goes, the directory stays", []string{"/var/cache/apk"},
			[]string{"etc/", "etc/conf", "tmp/", "tmp/.x", "var/", "var/cache/", "var/cache/apk/", "var/cache/keep"}},
		{"several, one missing in the base", []string{"/tmp", "/opt/none"},
			[]string{"etc/", "etc/conf", "tmp/", "var/", "var/cache/", "var/cache/apk/", "var/cache/apk/index", "var/cache/apk/sub/", "var/cache/apk/sub/f", "var/cache/keep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := empty.Image
			for _, names := range base {
				data := tarLayer(t, names...)
				l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { _, _ = data.Seek(0, 0); return io.NopCloser(data), nil })
				require.NoError(t, err)
				img, err = mutate.AppendLayers(img, l)
				require.NoError(t, err)
			}
			l, err := RemoveInside(img, tc.dirs)
			require.NoError(t, err)
			require.NotNil(t, l)
			img, err = mutate.AppendLayers(img, l)
			require.NoError(t, err)
			assert.Equal(t, tc.want, entries(t, img))
		})
	}
	l, err := RemoveInside(empty.Image, []string{"/var/cache"})
	require.NoError(t, err)
	assert.Nil(t, l, "nothing to remove: no layer")
}
