package importsum_test

import (
	"archive/tar"
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/require"
)

// entry is one member of a layer archive.
type entry struct {
	name string
	typ  byte
	body string
	link string
}

func dir(name string) entry             { return entry{name: name, typ: tar.TypeDir} }
func file(name, body string) entry      { return entry{name: name, typ: tar.TypeReg, body: body} }
func symlink(name, target string) entry { return entry{name: name, typ: tar.TypeSymlink, link: target} }
func hardlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeLink, link: target}
}
func fifo(name string) entry      { return entry{name: name, typ: tar.TypeFifo} }
func whiteout(name string) entry  { return file(name, "") } // ".wh.<name>" as a plain empty file
func opaque(dirName string) entry { return file(dirName+"/.wh..wh..opq", "") }

// layerTar writes entries as a tar archive, in the order given.
func layerTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if e.typ == tar.TypeReg {
			_, err := io.WriteString(tw, e.body)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return b.Bytes()
}

// imageOf is an image of the given layers, the first at the bottom.
func imageOf(t testing.TB, layers ...[]entry) v1.Image {
	t.Helper()
	var ls []v1.Layer
	for _, entries := range layers {
		data := layerTar(t, entries...)
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		require.NoError(t, err)
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	require.NoError(t, err)
	return img
}

// line is one line of werf's checksum input, written out: the MD5 of the
// content (a symlink's target) and the path under `add`.
type line struct{ content, path string }

// expect is the checksum of lines in the order given (the test writes them in
// werf's sorted order).
func expect(lines ...line) string {
	var b bytes.Buffer
	for _, l := range lines {
		fmt.Fprintf(&b, "%x  %s\n", md5.Sum([]byte(l.content)), l.path)
	}
	return fmt.Sprintf("%x", md5.Sum(b.Bytes()))
}
