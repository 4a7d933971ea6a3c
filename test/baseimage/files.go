package baseimage

import (
	"archive/tar"
	"bytes"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// PushFiles pushes to ref a synthetic linux/amd64 base image of one layer with
// the given files (path → content, mode 0755) and the usual directories, for
// tests whose builds never run a binary (the engine stand-in's shell stages).
// Its config has no creation time, so stages that keep it claim none either.
func PushFiles(t testing.TB, ref string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"bin/", "etc/", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/src/"} {
		check(tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}))
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		c := files[p]
		check(tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(c))}))
		_, err := tw.Write([]byte(c))
		check(err)
	}
	check(tw.Close())
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	check(err)
	img, err := mutate.AppendLayers(empty.Image, l)
	check(err)
	cfg, err := img.ConfigFile()
	check(err)
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	img, err = mutate.ConfigFile(img, cfg)
	check(err)
	tag, err := name.NewTag(ref)
	check(err)
	check(remote.Write(tag, img))
}
