package pipeline_test

import (
	"archive/tar"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// moduleFiles are test/module's files: a Deckhouse module in the shape of the
// module template.
func moduleFiles(t *testing.T) map[string]string {
	t.Helper()
	return gittest.ReadTree(t, filepath.Join("..", "test", "module"))
}

// A project shaped like a Deckhouse module — base-image aliases named
// builder/…, a Stapel image from one with git stageDependencies and an
// imageSpec, a Dockerfile image, a non-final images-digests image whose
// dependencies import ImageDigest into targetEnv, batch hooks, a bundle that
// imports from other images and takes repository files by
// includePaths/excludePaths, a release image, the template's build.imageSpec —
// builds without an engine (shell stages by the stand-in), and `digest
// --stages` then addresses every stage of every image as the build stored it.
func TestModuleShapedProject(t *testing.T) {
	reg := registrytest.New(t)
	baseimage.PushFiles(t, reg.Host+"/library/busybox:1.36", map[string]string{
		"bin/busybox": "busybox\n", "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group": "root:x:0:\nnogroup:x:65534:\n",
	})
	r := gittest.New(t)
	r.CommitFiles(moduleFiles(t))
	env := map[string]string{"BASE_REGISTRY": reg.Host + "/library", "MODULES_MODULE_TAG": "v1.2.3"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	repo := reg.Host + "/modules/hello-module"
	ctx := context.Background()

	load := func() (*source.Snapshot, *config.Config) {
		snap, err := source.Open(r.Dir)
		require.NoError(t, err)
		cfg, err := config.Load(snap, config.Options{LookupEnv: lookup})
		require.NoError(t, err)
		return snap, cfg
	}
	build := func() (*pipeline.Report, *enginetest.Fake) {
		snap, cfg := load()
		plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
		require.NoError(t, err)
		storage, err := registry.New(cfg.Meta.Project, repo)
		require.NoError(t, err)
		fake := &enginetest.Fake{ShellWrites: map[string]map[string]string{
			"batch-hooks/beforeSetup":          {"usr/local/bin/batchhooks": "hooks\n"},
			"images-digests-and-version/setup": {"images_digests.json": `{"echo": "sha256:…"}` + "\n", "version.json": `{"version": "v1.2.3"}` + "\n"},
		}}
		var log strings.Builder
		report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: fake, LookupEnv: lookup, Log: &log, Records: true}).Run(ctx)
		require.NoError(t, err, log.String())
		if fake.Builds()+fake.Shells() > 0 {
			assert.Equal(t, 1, strings.Count(log.String(), imagespec.EssentialLabelsWarning), "werf's global warning, said once for the four final images")
		}
		return report, fake
	}

	report, fake := build()
	require.Len(t, report.Images, 10)
	assert.Equal(t, 1, fake.Builds(), "the Dockerfile image on the engine")
	assert.Positive(t, fake.Shells())

	names := func(img string) []string {
		var out []string
		for _, s := range report.Images[img].Stages {
			out = append(out, s.Name)
		}
		return out
	}
	assert.Equal(t, []string{"from", "beforeInstall", "gitArchive", "setup", "imageSpec"}, names("hello-module/echo"))
	assert.Equal(t, []string{"from", "dependenciesBeforeInstall", "dependenciesBeforeSetup", "setup"}, names("images-digests-and-version"))
	assert.Equal(t, []string{"from", "gitArchive", "dependenciesAfterSetup", "imageSpec"}, names("bundle"))
	assert.Equal(t, []string{"from", "gitArchive", "dependenciesAfterInstall", "imageSpec"}, names("release-channel-version"))

	// The bundle holds the repository's files it takes, the JSON files and the
	// hooks; not hooks/batch, which excludePaths leaves out.
	bundle := repo + ":" + report.Images["bundle"].DockerTag
	tree := listFiles(t, bundle)
	for _, want := range []string{"module.yaml", "Chart.yaml", "openapi/config-values.yaml", "templates/configmap.yaml", "charts/README.md", "images_digests.json", "version.json", "hooks/batchhooks"} {
		assert.Contains(t, tree, want)
	}
	assert.NotContains(t, tree, "hooks/batch/main.go")
	var version map[string]string
	require.NoError(t, json.Unmarshal([]byte(tree["version.json"]), &version))
	assert.Equal(t, "v1.2.3", version["version"])

	// images-digests-and-version had the final images' digests in its setup
	// stage's environment.
	var setupEnv map[string]string
	for _, req := range fake.ShellRequests {
		if req.Image.Name == "images-digests-and-version" && req.Stage == "setup" {
			setupEnv = map[string]string{}
			cfg := configOf(t, req.Base)
			for _, kv := range cfg.Config.Env {
				k, v, _ := strings.Cut(kv, "=")
				setupEnv[k] = v
			}
		}
	}
	require.NotNil(t, setupEnv)
	assert.Equal(t, digestOfRef(t, repo+":"+report.Images["hello-module/echo"].DockerTag).String(), setupEnv["MODULE_IMAGE_DIGEST_echo"])
	assert.Equal(t, digestOfRef(t, repo+":"+report.Images["hello-module/hello"].DockerTag).String(), setupEnv["MODULE_IMAGE_DIGEST_hello"])

	// Addressing after the build: every stage of every image as stored.
	snap, cfg := load()
	storage, err := registry.New(cfg.Meta.Project, repo)
	require.NoError(t, err)
	calc := stages.NewCalculator(cfg, snap)
	s := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: storage, Calculator: calc,
		Imports: pipeline.StorageImports{Config: cfg, Calculator: calc, Storage: storage}}
	for _, img := range cfg.Images {
		var list []pipeline.StageDigest
		if img.IsStapel() {
			list, err = s.StageDigests(ctx, img, "linux/amd64")
		} else {
			list, err = pipeline.StageDigests(ctx, cfg, calc, storage, img, "linux/amd64", s.Imports)
		}
		require.NoError(t, err, img.Name)
		rec := report.Images[img.Name]
		require.Len(t, list, len(rec.Stages), img.Name)
		for i, st := range list {
			assert.True(t, strings.HasPrefix(rec.Stages[i].DockerTag, st.Digest+"-"), "%s %s", img.Name, st.Name)
		}
	}

	again, fake := build()
	assert.Zero(t, fake.Builds()+fake.Shells(), "a second build makes nothing")
	for img, rec := range report.Images {
		assert.Equal(t, rec.DockerTag, again.Images[img].DockerTag, img)
	}
}

// listFiles reads an image's regular files (path → content).
func listFiles(t *testing.T, ref string) map[string]string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
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
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			out[strings.TrimPrefix(h.Name, "./")] = string(data)
		}
	}
}
