// Package e2e builds projects end to end on a real Dagger engine against an
// in-process registry. It runs when an engine is reachable (see
// enginetest.Require) and skips otherwise.
package e2e

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/engine"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// world is a registry with base images and a project committed to a repository.
type world struct {
	t          testing.TB
	reg        *registrytest.Registry
	repo       *gittest.Repo
	platforms  []string
	env        map[string]string
	customTags []string // --add-custom-tag; the project's giterminism must allow them
}

func newWorld(t testing.TB, project string) *world {
	t.Helper()
	enginetest.Require(t)
	reg := registrytest.New(t)
	platforms := baseimage.Push(t, reg.Host+"/library/busybox:1.36")
	slices.Sort(platforms)
	r := gittest.New(t)
	copyDir(t, project, r.Dir)
	r.Commit("project")
	return &world{t: t, reg: reg, repo: r, platforms: platforms, env: map[string]string{"BASE_REGISTRY": reg.Host + "/library"}}
}

// build runs one build into the registry's repository named as the project,
// with a fresh engine session and storage.
func (w *world) build(opts ...registry.Option) (*pipeline.Report, *engine.Engine) {
	w.t.Helper()
	return w.buildInto("", os.Stderr, opts...)
}

// buildInto builds into repo ("": the project's), logging to log.
func (w *world) buildInto(repo string, log io.Writer, opts ...registry.Option) (*pipeline.Report, *engine.Engine) {
	w.t.Helper()
	report, eng, err := w.run(repo, log, nil, opts...)
	require.NoError(w.t, err)
	return report, eng
}

// run builds into repo ("": the project's), logging to log; edit, if not nil,
// sets what the test varies.
func (w *world) run(repo string, log io.Writer, edit func(*pipeline.Build), opts ...registry.Option) (*pipeline.Report, *engine.Engine, error) {
	w.t.Helper()
	snap, cfg := w.load()
	if repo == "" {
		repo = w.reg.Host + "/" + cfg.Meta.Project
	}
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms(w.platforms...))
	require.NoError(w.t, err)
	storage, err := registry.New(cfg.Meta.Project, repo, opts...)
	require.NoError(w.t, err)
	// The build and the engine write to one log here (the command line gives
	// them stdout and stderr): one lock for both.
	log = &lockedLog{w: log}
	eng := engine.New(engine.WithCredentials(storage.Credentials), engine.WithLog(log))
	defer eng.Close()
	build := &pipeline.Build{
		Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: eng,
		CustomTags: w.customTags, Version: "dagwerf-e2e", Log: log,
		LookupEnv: w.lookup,
	}
	if edit != nil {
		edit(build)
	}
	report, err := build.Run(context.Background())
	return report, eng, err
}

func (w *world) load() (*source.Snapshot, *config.Config) {
	w.t.Helper()
	snap, err := source.Open(w.repo.Dir)
	require.NoError(w.t, err)
	cfg, err := config.Load(snap, config.Options{LookupEnv: w.lookup})
	require.NoError(w.t, err)
	return snap, cfg
}

func (w *world) lookup(k string) (string, bool) {
	v, ok := w.env[k]
	return v, ok
}

// The example project, end to end: what is pushed is what `digest` computes, with
// werf's labels and the images' content; a second run does nothing; a change
// rebuilds only what covers it.
func TestExampleProject(t *testing.T) {
	w := newWorld(t, filepath.Join("..", "example"))
	w.customTags = []string{"%image%-e2e"}
	cache, final := w.reg.Host+"/cache", w.reg.Host+"/release"
	opts := []registry.Option{registry.WithCacheRepos(cache), registry.WithFinalRepo(final)}

	report, eng := w.build(opts...)
	builds, _ := eng.Calls()
	assert.Equal(t, int64(4*len(w.platforms)), builds, "base, tools, api, worker per platform")

	snap, cfg := w.load()
	calc := stages.NewCalculator(cfg, snap)
	for img, byPlatform := range report.ImagesByPlatform {
		for platform, rec := range byPlatform {
			stage, err := calc.Stage(context.Background(), cfg.Image(img), platform, reportImports{report})
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(rec.DockerTag, stage.Digest+"-"), "%s %s", img, platform)

			ref, _ := name.ParseReference(rec.DockerImageName)
			image, err := remote.Image(ref)
			require.NoError(t, err)
			cf, err := image.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, "dagwerf-example", cf.Config.Labels["werf"])
			assert.Equal(t, "dagwerf-e2e", cf.Config.Labels["werf-version"])
			assert.Equal(t, stages.ContentDigest(platform, stage.Digest), cf.Config.Labels["werf-stage-content-digest"])
			assert.Equal(t, snap.Commit(), cf.Config.Labels["werf-project-repo-commit"])
			assert.Equal(t, platform, cf.Platform().String(), "%s %s", img, platform)
		}
	}
	for _, platform := range w.platforms {
		api := report.ImagesByPlatform["api"][platform]
		assert.Equal(t, "api\n", fileIn(t, api.DockerImageName, "srv/service"))
		assert.Equal(t, "base\n", fileIn(t, api.DockerImageName, "srv/layer"), "built FROM the base, by its imported name")
		assert.Contains(t, fileIn(t, api.DockerImageName, "usr/local/bin/healthcheck"), "test -f /srv/service", "copied from the non-final tools image")
	}
	finalTags := tags(t, final)
	for _, img := range []string{"base", "api", "worker"} {
		assert.Contains(t, finalTags, report.Images[img].DockerTag)
		assert.Contains(t, finalTags, img+"-e2e")
	}
	assert.NotContains(t, finalTags, "tools-e2e", "tools is not final")
	assert.NotEmpty(t, tags(t, cache))

	// Nothing changed: nothing is built or written.
	w.reg.ResetRequests()
	again, eng2 := w.build(opts...)
	builds, pushes := eng2.Calls()
	assert.Zero(t, builds)
	assert.Zero(t, pushes)
	assert.Zero(t, w.reg.Count("POST", "/blobs/uploads"), "no blob uploaded")
	for img, rec := range report.Images {
		assert.Equal(t, rec.DockerTag, again.Images[img].DockerTag, img)
		assert.False(t, again.Images[img].Rebuilt, img)
	}

	// A change in the app's sources rebuilds api and worker only.
	w.repo.Write("app/src/serve.sh", "#!/bin/sh\necho \"serving $1, changed\"\n")
	w.repo.Commit("change the app")
	changed, eng3 := w.build(opts...)
	builds, _ = eng3.Calls()
	assert.Equal(t, int64(2*len(w.platforms)), builds)
	for _, img := range []string{"base", "tools"} {
		assert.Equal(t, report.Images[img].DockerTag, changed.Images[img].DockerTag, img)
	}
	for _, img := range []string{"api", "worker"} {
		assert.NotEqual(t, report.Images[img].DockerTag, changed.Images[img].DockerTag, img)
		assert.True(t, changed.Images[img].Rebuilt, img)
	}
}

// A secret reaches RUN --mount=type=secret and nothing else: not the image's
// layers or config, not the labels, not the report.
func TestSecretReachesOnlyTheBuild(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"werf.yaml": `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: secrets
---
image: app
dockerfile: Dockerfile
args:
  BUSYBOX: {{ $registry }}/busybox:1.36
secrets:
- id: token
  env: E2E_TOKEN
`,
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n  secrets: {allowEnvVariables: [E2E_TOKEN]}\n",
		// The RUN line lands in the image history, so it spells the expected
		// value in two pieces; only the value that reached the build is whole.
		// read and test are shell builtins: they run under emulation too.
		"Dockerfile": "ARG BUSYBOX\nFROM ${BUSYBOX}\nRUN --mount=type=secret,id=token read -r token < /run/secrets/token; test \"$token\" = \"s3cret-\"\"e2e-value\" && echo seen > /srv/secret-seen\n",
	})
	w := newWorld(t, dir)
	w.env["E2E_TOKEN"] = "s3cret-e2e-value"
	report, _ := w.build()

	rec := report.Images["app"]
	assert.Equal(t, "seen\n", fileIn(t, rec.DockerImageName, "srv/secret-seen"), "the build saw the secret")
	ref, _ := name.ParseReference(rec.DockerImageName)
	image, err := remote.Image(ref)
	require.NoError(t, err)
	raw, err := image.RawConfigFile()
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "s3cret-e2e-value", "not in the config or labels")
	assert.NotContains(t, filesystem(t, rec.DockerImageName), "s3cret-e2e-value", "not in any file")
	data, err := report.Marshal(".json")
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s3cret-e2e-value")
}

// reportImports gives the import values a report shows.
type reportImports struct{ r *pipeline.Report }

func (i reportImports) ImportValues(_ context.Context, image, platform string) (stages.ImportValues, error) {
	rec, ok := i.r.ImagesByPlatform[image][platform]
	if !ok {
		return stages.ImportValues{}, errors.New("not in the report")
	}
	return stages.ImportValues{Name: rec.DockerImageName, ID: rec.DockerImageID, Digest: rec.DockerImageDigest}, nil
}

// fileIn reads a file of an image's flattened filesystem.
func fileIn(t *testing.T, ref, path string) string {
	t.Helper()
	files := filesystemFiles(t, ref)
	content, ok := files[path]
	require.True(t, ok, "%s has no %s", ref, path)
	return content
}

func filesystem(t *testing.T, ref string) string {
	var b strings.Builder
	for _, c := range filesystemFiles(t, ref) {
		b.WriteString(c)
	}
	return b.String()
}

func filesystemFiles(t *testing.T, ref string) map[string]string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
	rc := mutate.Extract(img)
	defer rc.Close()
	out := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg && h.Size < 1<<20 {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			out[strings.TrimPrefix(h.Name, "./")] = string(data)
		}
	}
}

func tags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo)
	require.NoError(t, err)
	list, err := remote.List(r)
	require.NoError(t, err)
	return list
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, info.Mode().Perm())
	}))
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
}

// lockedLog is a writer two writers share.
type lockedLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
