package module

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// entry is one tar entry of a layer.
type entry struct {
	name     string
	typeflag byte
	body     string
	link     string
}

func file(name, body string) entry { return entry{name: name, typeflag: tar.TypeReg, body: body} }

// whiteout deletes name from the layers below.
func whiteout(name string) entry { return file(".wh."+name, "") }

func layerOf(t testing.TB, entries ...entry) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typeflag != tar.TypeReg {
			h.Size = 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	require.NoError(t, err)
	return l
}

// imageOf is a linux/amd64 image of these layers, bottom first.
func imageOf(t testing.TB, layers ...[]entry) v1.Image {
	t.Helper()
	return imageFor(t, "amd64", layers...)
}

// imageFor is a linux image of these layers for an architecture.
func imageFor(t testing.TB, arch string, layers ...[]entry) v1.Image {
	t.Helper()
	img := empty.Image
	for _, es := range layers {
		var err error
		img, err = mutate.AppendLayers(img, layerOf(t, es...))
		require.NoError(t, err)
	}
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	return img
}

const testTag = "v1.2.3"

// fixture is a registry with a module's build in it, as `module build` leaves
// it, and the project the module comes from.
type fixture struct {
	t       *testing.T
	reg     *registrytest.Registry
	source  string // REG/modules
	repo    string // REG/modules/hello-module
	project runner.Project
	apps    map[string]v1.Image // the final application images
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg := registrytest.New(t)
	g := gittest.New(t)
	g.CommitFiles(map[string]string{"module.yaml": "name: hello-module\nweight: 900\n", "werf.yaml": "configVersion: 1\nproject: hello-module\n"})
	f := &fixture{
		t: t, reg: reg, source: reg.Host + "/modules", repo: reg.Host + "/modules/hello-module",
		project: runner.Project{Dir: g.Dir}, apps: map[string]v1.Image{},
	}
	for _, n := range []string{"hello-module/echo", "hello-module/hello"} {
		img, err := random.Image(128, 1)
		require.NoError(t, err)
		f.apps[n] = img
	}
	return f
}

// digests is images_digests.json as the module template writes it for the
// application images.
func (f *fixture) digests() map[string]string {
	out := map[string]string{}
	for n, img := range f.apps {
		h, err := img.Digest()
		require.NoError(f.t, err)
		out[digestsKey(n)] = h.String()
	}
	return out
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}

func version(tag string) string { return fmt.Sprintf(`{"version": %q}`+"\n", tag) }

// bundle is what the module template's bundle image holds.
func (f *fixture) bundle(tag string) [][]entry {
	return [][]entry{{
		file("module.yaml", "name: hello-module\n"),
		{name: "openapi/", typeflag: tar.TypeDir},
		file("openapi/config-values.yaml", "type: object\n"),
	}, {
		file("images_digests.json", jsonOf(f.t, f.digests())),
		file("version.json", version(tag)),
		file("hooks/batchhooks", "#!/bin/sh\n"),
	}}
}

// release is what the module template's release image holds.
func (f *fixture) release(tag string) [][]entry {
	return [][]entry{{file("version.json", version(tag)), file("module.yaml", "name: hello-module\n")}}
}

// push stores the build's images under content-based tags, as a build does,
// and returns its report.
func (f *fixture) push(bundle, release v1.Image) *pipeline.Report {
	f.t.Helper()
	report := &pipeline.Report{Images: map[string]pipeline.ReportImage{}, ImagesByPlatform: map[string]map[string]pipeline.ReportImage{}}
	add := func(n string, img v1.Image, final bool) {
		h, err := img.Digest()
		require.NoError(f.t, err)
		tag := fmt.Sprintf("%s-1700000000000", h.Hex[:56])
		ref, err := name.NewTag(f.repo + ":" + tag)
		require.NoError(f.t, err)
		require.NoError(f.t, remote.Write(ref, img))
		rec := pipeline.ReportImage{
			WerfImageName: n, DockerRepo: f.repo, DockerTag: tag, DockerImageName: ref.String(),
			DockerImageDigest: h.String(), Final: final, TargetPlatform: "linux/amd64",
		}
		report.Images[n] = rec
		report.ImagesByPlatform[n] = map[string]pipeline.ReportImage{"linux/amd64": rec}
	}
	for n, img := range f.apps {
		add(n, img, true)
	}
	add("images-digests-and-version", imageOf(f.t, []entry{file("images_digests.json", "{}")}), false)
	add(BundleImage, bundle, true)
	add(ReleaseImage, release, true)
	return report
}

// good pushes a build that passes every check.
func (f *fixture) good(tag string) *pipeline.Report {
	return f.push(imageOf(f.t, f.bundle(tag)...), imageOf(f.t, f.release(tag)...))
}

func (f *fixture) releaseOf(report *pipeline.Report, tag string, out io.Writer) Release {
	return Release{
		Target: Target{Source: f.source}, Project: f.project, Tag: tag, Report: report,
		Access: runner.Storage{DockerConfig: f.t.TempDir(), Home: f.t.TempDir()}, Out: out,
	}
}

func (f *fixture) deployOf(tag, channel string) Deploy {
	return Deploy{Target: Target{Source: f.source}, Project: f.project, Access: runner.Storage{DockerConfig: f.t.TempDir(), Home: f.t.TempDir()}, Tag: tag, Channel: channel}
}

// digestAt is what a reference names now; "" when nothing.
func digestAt(t testing.TB, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r, remote.WithContext(context.Background()))
	if err != nil {
		return ""
	}
	return d.Digest.String()
}

func digestOf(t testing.TB, img v1.Image) string {
	t.Helper()
	h, err := img.Digest()
	require.NoError(t, err)
	return h.String()
}
