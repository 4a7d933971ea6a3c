// Package baseimage makes the base images end-to-end tests build FROM, since no
// public registry is reachable from tests: a static busybox (Debian's
// busybox-static) with its common applets, pushed into a test registry.
package baseimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// applets are linked to busybox under /bin, for Dockerfiles' RUN lines.
var applets = []string{"sh", "echo", "cat", "mkdir", "cp", "ls", "test", "uname", "rm", "chmod", "true"}

// Binaries are where a static busybox for each platform is found: Debian's
// busybox-static for the host, and for arm64 a binary named by
// $DAGWERF_E2E_BUSYBOX_ARM64 (`apt-get download busybox-static:arm64`, then
// `dpkg-deb -x`).
func Binaries() map[string]string {
	out := map[string]string{}
	if _, err := os.Stat("/bin/busybox"); err == nil {
		out["linux/amd64"] = "/bin/busybox"
	}
	if p := os.Getenv("DAGWERF_E2E_BUSYBOX_ARM64"); p != "" {
		out["linux/arm64"] = p
	}
	return out
}

// Push pushes busybox images for the platforms that have a binary to
// ref (e.g. 127.0.0.1:5000/busybox:1.36): an index when there are several. It
// skips the test when there is no busybox at all.
func Push(t testing.TB, ref string) []string {
	t.Helper()
	bins := Binaries()
	if len(bins) == 0 {
		t.Skip("no static busybox: install Debian's busybox-static (apt-get install busybox-static)")
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	idx := v1.ImageIndex(empty.Index)
	for platform, bin := range bins {
		img, err := image(platform, bin)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := v1.ParsePlatform(platform)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
		platforms = append(platforms, platform)
	}
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	return platforms
}

// Image is the busybox image for one platform that Binaries has a binary for,
// for tests that derive their own base from it.
func Image(platform string) (v1.Image, error) {
	bin, ok := Binaries()[platform]
	if !ok {
		return nil, fmt.Errorf("no static busybox for %s", platform)
	}
	return image(platform, bin)
}

func image(platform, bin string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, dir := range []string{"bin/", "tmp/", "srv/", "usr/", "usr/local/", "usr/local/bin/"} {
		if err := tw.WriteHeader(&tar.Header{Name: dir, Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	for _, a := range applets {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, err
	}
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Config.Env = []string{"PATH=/usr/local/bin:/bin"}
	cfg.Config.Cmd = []string{"/bin/sh"}
	return mutate.ConfigFile(img, cfg)
}
