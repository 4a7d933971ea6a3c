package layer_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline/layer"
)

// TestMain keeps the git commands the package runs away from the machine's
// and the user's git configuration, as gittest does for its own.
func TestMain(m *testing.M) {
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Exit(m.Run())
}

// entry is one member of a layer archive.
type entry struct {
	name     string
	typ      byte
	mode     int64
	uid, gid int
	body     string
	link     string
}

func dir(name string, mode int64, uid, gid int) entry {
	return entry{name: name + "/", typ: tar.TypeDir, mode: mode, uid: uid, gid: gid}
}

func file(name string, mode int64, uid, gid int, body string) entry {
	return entry{name: name, typ: tar.TypeReg, mode: mode, uid: uid, gid: gid, body: body}
}

func symlink(name, target string) entry {
	return entry{name: name, typ: tar.TypeSymlink, mode: 0o777, link: target}
}

func hardlink(name, target string) entry { return entry{name: name, typ: tar.TypeLink, link: target} }
func fifo(name string) entry             { return entry{name: name, typ: tar.TypeFifo, mode: 0o644} }
func whiteout(name string) entry         { return entry{name: name, typ: tar.TypeReg} }

// baseTime is the time of the entries tests make.
var baseTime = time.Unix(1700000000, 0)

func layerOf(t testing.TB, entries []entry) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.gid, Linkname: e.link, ModTime: baseTime}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		require.NoError(t, tw.WriteHeader(h))
		_, err := io.WriteString(tw, e.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	require.NoError(t, err)
	return l
}

// imageOf is an image of the given layers, the first at the bottom.
func imageOf(t testing.TB, layers ...[]entry) v1.Image {
	t.Helper()
	img := empty.Image
	for _, es := range layers {
		var err error
		img, err = mutate.AppendLayers(img, layerOf(t, es))
		require.NoError(t, err)
	}
	return img
}

// stage makes a stage's layer over base with steps and returns base with it.
func stage(t testing.TB, base v1.Image, steps func(*layer.Builder) error, opts ...layer.Option) v1.Image {
	t.Helper()
	b := layer.New(base, append([]layer.Option{layer.WithTempDir(t.TempDir())}, opts...)...)
	t.Cleanup(func() { b.Close() })
	require.NoError(t, steps(b))
	l, err := b.Layer(context.Background())
	require.NoError(t, err)
	img, err := mutate.AppendLayers(base, l)
	require.NoError(t, err)
	return img
}

// listing is an image's flattened filesystem, one line per path, sorted:
// path, tar type, mode, uid:gid, a symlink's target, the first 12 hex of the
// SHA-256 of a file's content (the format of testdata/werf). busybox's
// applets under bin/ are left out.
func listing(t testing.TB, img v1.Image) []string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var lines []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		n := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if strings.HasPrefix(n, "bin/") {
			continue
		}
		l := fmt.Sprintf("%s %c %04o %d:%d", n, h.Typeflag, h.Mode&0o7777, h.Uid, h.Gid)
		switch h.Typeflag {
		case tar.TypeSymlink:
			l += " -> " + h.Linkname
		case tar.TypeReg:
			s := sha256.New()
			_, err := io.Copy(s, tr)
			require.NoError(t, err)
			l += " " + hex.EncodeToString(s.Sum(nil))[:12]
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines
}

// fsTree is an image's flattened filesystem: path → "d 0755 0:0",
// "f 0644 0:0 <content>", "l 0:0 -> <target>".
func fsTree(t testing.TB, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		n := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		switch h.Typeflag {
		case tar.TypeDir:
			out[n] = fmt.Sprintf("d %04o %d:%d", h.Mode&0o7777, h.Uid, h.Gid)
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			out[n] = fmt.Sprintf("f %04o %d:%d %s", h.Mode&0o7777, h.Uid, h.Gid, b)
		case tar.TypeSymlink:
			out[n] = fmt.Sprintf("l %d:%d -> %s", h.Uid, h.Gid, h.Linkname)
		default:
			out[n] = fmt.Sprintf("%c %04o %d:%d", h.Typeflag, h.Mode&0o7777, h.Uid, h.Gid)
		}
	}
}

// removed marks a path of the base that a stage removed, in changes.
const removed = "removed"

// changes is what a stage did to its base's filesystem: each path whose
// description changed, with the new one, or removed.
func changes(t testing.TB, base, img v1.Image) map[string]string {
	t.Helper()
	before, after := fsTree(t, base), fsTree(t, img)
	out := map[string]string{}
	for p, d := range after {
		if before[p] != d {
			out[p] = d
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out[p] = removed
		}
	}
	return out
}
