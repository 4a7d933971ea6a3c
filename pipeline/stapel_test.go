package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// stapelWorld is a Stapel project in a git repository, its stages in an
// in-process registry that also holds the base image, which werf.yaml names
// $BASE_REF.
type stapelWorld struct {
	t    *testing.T
	repo *gittest.Repo
	reg  *registrytest.Registry
	base string // <registry>/base:1, a registry image
}

func newStapelWorld(t *testing.T, werfYAML string, files map[string]string) *stapelWorld {
	t.Helper()
	w := &stapelWorld{t: t, repo: gittest.New(t), reg: registrytest.New(t)}
	w.base = w.reg.Host + "/base:1"
	img, err := random.Image(128, 2)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = []string{"PATH=/usr/bin:/bin", "A=base"}
	cfg.Config.Cmd = []string{"sh"}
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	ref, err := name.NewTag(w.base)
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img))

	all := map[string]string{"werf.yaml": strings.ReplaceAll(werfYAML, "$BASE_REF", w.base)}
	for k, v := range files {
		all[k] = v
	}
	w.repo.CommitFiles(all)
	return w
}

func (w *stapelWorld) repoAddress() string { return w.reg.Host + "/stapel" }

// load reads the project at HEAD and plans every image for linux/amd64.
func (w *stapelWorld) load() (*source.Snapshot, *config.Config, *pipeline.Plan) {
	w.t.Helper()
	snap, err := source.Open(w.repo.Dir)
	require.NoError(w.t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(w.t, err)
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
	require.NoError(w.t, err)
	return snap, cfg, plan
}

func (w *stapelWorld) storage(project string) *registry.Storage {
	w.t.Helper()
	s, err := registry.New(project, w.repoAddress())
	require.NoError(w.t, err)
	return s
}

func (w *stapelWorld) build(project string) (*pipeline.Report, *enginetest.Fake, string) {
	w.t.Helper()
	snap, cfg, plan := w.load()
	var log strings.Builder
	fake := &enginetest.Fake{}
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: w.storage(project), Builder: fake, Log: &log, Version: "test"}).Run(context.Background())
	require.NoError(w.t, err, log.String())
	return report, fake, log.String()
}

// digests addresses every image as `dagwerf digest --stages` does.
func (w *stapelWorld) digests(project string) map[string][]pipeline.StageDigest {
	w.t.Helper()
	snap, cfg, _ := w.load()
	s := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: w.storage(project), Calculator: stages.NewCalculator(cfg, snap)}
	out := map[string][]pipeline.StageDigest{}
	for _, img := range cfg.Images {
		list, err := s.StageDigests(context.Background(), img, "linux/amd64")
		require.NoError(w.t, err, img.Name)
		out[img.Name] = list
	}
	return out
}

const configOnlyStapel = `configVersion: 1
project: st
---
image: base
from: $BASE_REF
final: false
docker:
  ENV: {A: "1", C: "3"}
  CMD: '["/bin/app", "--serve"]'
  EXPOSE: ["80", "443/tcp"]
  WORKDIR: /app
  VOLUME: [/data]
  HEALTHCHECK: --interval=5s CMD wget -q localhost
---
image: app
fromImage: base
imageSpec:
  config:
    env: {B: "2"}
    labels: {team: shop}
    user: nobody
---
image: empty
from: scratch
docker:
  LABEL: {kind: nothing}
  ENTRYPOINT: exec /bin/app
`

// Stapel stages that only change the image config are made registry-side:
// from (a registry base, another image's stage, scratch), dockerInstructions
// and imageSpec. No engine runs; a second build makes nothing; addressing
// after the build finds exactly the stages the build published.
func TestStapelConfigOnlyStages(t *testing.T) {
	w := newStapelWorld(t, configOnlyStapel, nil)
	report, fake, log := w.build("st")
	assert.Zero(t, fake.Builds(), "no engine build")

	names := func(img string) []string {
		var out []string
		for _, s := range report.Images[img].Stages {
			out = append(out, s.Name)
		}
		return out
	}
	assert.Equal(t, []string{"from", "dockerInstructions"}, names("base"))
	assert.Equal(t, "stapel", report.Images["base"].ConfigType)
	assert.Equal(t, []string{"from", "imageSpec"}, names("app"))
	assert.Equal(t, []string{"from", "dockerInstructions"}, names("empty"))

	base := configOf(t, w.repoAddress()+":"+report.Images["base"].DockerTag)
	head := w.repo.Git("rev-parse", "HEAD")
	assert.Equal(t, []string{"PATH=/usr/bin:/bin", "A=1", "WERF_COMMIT_HASH=" + head, "WERF_COMMIT_TIME_HUMAN=2024-01-02 03:04:05 +0000 +0000", "WERF_COMMIT_TIME_UNIX=1704164645", "C=3"}, base.Config.Env,
		"A replaced in place; werf's commit environment, then C, appended")
	assert.Equal(t, []string{"/bin/app", "--serve"}, base.Config.Cmd)
	assert.Equal(t, map[string]struct{}{"80": {}, "443/tcp": {}}, base.Config.ExposedPorts)
	assert.Equal(t, "/app", base.Config.WorkingDir)
	assert.Equal(t, map[string]struct{}{"/data": {}}, base.Config.Volumes)
	require.NotNil(t, base.Config.Healthcheck)
	assert.Equal(t, []string{"CMD-SHELL", "wget -q localhost"}, base.Config.Healthcheck.Test)

	appRec := report.Images["app"]
	app := configOf(t, w.repoAddress()+":"+appRec.DockerTag)
	assert.Equal(t, []string{"PATH=/usr/bin:/bin", "A=1", "C=3", "B=2"}, app.Config.Env, "werf's imageSpec stage drops the commit environment")
	assert.Equal(t, []string{"/bin/app", "--serve"}, app.Config.Cmd, "the base image's")
	assert.Equal(t, "nobody", app.Config.User)
	assert.Equal(t, "shop", app.Config.Labels["team"])
	assert.Equal(t, "st", app.Config.Labels["werf"])
	assert.Equal(t, "test", app.Config.Labels["werf-version"])
	assert.Equal(t, w.repo.Git("rev-parse", "HEAD"), app.Config.Labels["werf-project-repo-commit"])
	assert.Equal(t, appRec.Stages[0].DockerTag, app.Config.Labels["werf.io/parent-stage-id"])
	assert.Equal(t, appRec.Stages[1].DockerTag, appRec.DockerTag, "the image is its last stage")

	appFrom := configOf(t, w.repoAddress()+":"+appRec.Stages[0].DockerTag)
	assert.Equal(t, report.Images["base"].DockerTag, appFrom.Config.Labels["werf.io/parent-stage-id"], "fromImage: the from stage's parent is the base image's stage")

	empty := configOf(t, w.repoAddress()+":"+report.Images["empty"].DockerTag)
	assert.Equal(t, "nothing", empty.Config.Labels["kind"])
	assert.Equal(t, []string{"/bin/sh", "-c", "exec /bin/app"}, empty.Config.Entrypoint, "not a JSON array: shell form")
	assert.Equal(t, "amd64", empty.Architecture)

	for img, list := range w.digests("st") {
		rec := report.Images[img]
		require.Len(t, list, len(rec.Stages), img)
		for i, st := range list {
			assert.Equal(t, rec.Stages[i].Name, st.Name)
			assert.True(t, strings.HasPrefix(rec.Stages[i].DockerTag, st.Digest+"-"), "%s %s: addressed %s, built %s", img, st.Name, st.Digest, rec.Stages[i].DockerTag)
		}
	}
	assert.Contains(t, log, "published")

	again, fake, _ := w.build("st")
	assert.Zero(t, fake.Builds())
	for img, rec := range report.Images {
		assert.Equal(t, rec.DockerTag, again.Images[img].DockerTag, img)
		for _, s := range again.Images[img].Stages {
			assert.False(t, s.Rebuilt, "%s %s", img, s.Name)
		}
	}
}

// A dependency's stored name enters the digest, so a Stapel image is
// addressed only once its dependencies are stored; addressing says so.
func TestStapelDigestNeedsStoredDependencies(t *testing.T) {
	w := newStapelWorld(t, `configVersion: 1
project: st
---
image: base
from: $BASE_REF
final: false
---
image: app
from: $BASE_REF
dependencies:
- image: base
  after: install
  imports: [{type: ImageDigest, targetEnv: BASE_DIGEST}]
`, nil)
	snap, cfg, _ := w.load()
	s := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: w.storage("st"), Calculator: stages.NewCalculator(cfg, snap)}
	_, err := s.StageDigests(context.Background(), cfg.Image("app"), "linux/amd64")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `dependency "base": its last stage is not stored yet`)

	report, _, _ := w.build("st")
	list := w.digests("st")["app"]
	assert.Equal(t, fmt.Sprint(len(report.Images["app"].Stages)), fmt.Sprint(len(list)))
	app := configOf(t, w.repoAddress()+":"+report.Images["app"].DockerTag)
	baseDigest := digestOfRef(t, w.repoAddress()+":"+report.Images["base"].DockerTag)
	assert.Contains(t, app.Config.Env, "BASE_DIGEST="+baseDigest.String())
}

func digestOfRef(t *testing.T, ref string) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r)
	require.NoError(t, err)
	return d.Digest
}

// The Deckhouse module template's build.imageSpec on a Stapel image with an
// imageSpec of its own: the stage is made registry-side from the previous
// stage, with werf's merge of the two and every label removed but the ones
// werf keeps.
func TestStapelImageSpecFromTheModuleTemplate(t *testing.T) {
	w := newStapelWorld(t, `configVersion: 1
project: st
build:
  imageSpec:
    author: "Module Team <team@example.com>"
    clearHistory: true
    config:
      clearWerfLabels: true
      removeLabels: [/.*/]
---
image: echo
from: $BASE_REF
shell:
  install: [mkdir -p /app]
imageSpec:
  config:
    entrypoint: [/app/echo.sh]
    user: "65534"
    workingDir: /app
    env: {GREETING: hello}
`, nil)
	report, fake, _ := w.build("st")
	rec := report.Images["echo"]
	var names []string
	for _, s := range rec.Stages {
		names = append(names, s.Name)
	}
	require.Equal(t, []string{"from", "install", "imageSpec"}, names)
	assert.Equal(t, 1, fake.Shells(), "install ran on the engine")

	cfg := configOf(t, w.repoAddress()+":"+rec.DockerTag)
	assert.Equal(t, "Module Team <team@example.com>", cfg.Author)
	assert.Empty(t, cfg.History)
	assert.Equal(t, []string{"/app/echo.sh"}, cfg.Config.Entrypoint)
	assert.Equal(t, "65534", cfg.Config.User)
	assert.Equal(t, "/app", cfg.Config.WorkingDir)
	assert.Contains(t, cfg.Config.Env, "GREETING=hello")
	keys := make([]string, 0, len(cfg.Config.Labels))
	for k := range cfg.Config.Labels {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"werf", "werf-stage-content-digest", "werf.io/parent-stage-id", "werf-project-repo-commit"}, keys,
		"werf keeps these four whatever removeLabels says")

	again, fake, _ := w.build("st")
	assert.Zero(t, fake.Shells())
	assert.Equal(t, rec.DockerTag, again.Images["echo"].DockerTag)
}

// Why a Stapel image was rebuilt: its stages at this commit against the ones
// its nearest recorded build addressed, input by input.
func TestExplainStapel(t *testing.T) {
	w := newStapelWorld(t, `configVersion: 1
project: st
---
image: app
from: $BASE_REF
git:
- add: /src
  to: /app
  stageDependencies:
    setup: ['*.conf']
shell:
  setup: [cat /app/app.conf]
`, map[string]string{"src/app.conf": "a=1\n", "src/readme": "r\n"})
	snap, cfg, plan := w.load()
	_, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: w.storage("st"), Builder: &enginetest.Fake{}, Records: true}).Run(context.Background())
	require.NoError(t, err)
	first := w.repo.Git("rev-parse", "HEAD")

	w.repo.CommitFiles(map[string]string{"src/app.conf": "a=2\n"})
	snap, cfg, _ = w.load()
	storage := w.storage("st")
	s := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: storage, Calculator: stages.NewCalculator(cfg, snap)}
	current, err := s.StageDigests(context.Background(), cfg.Image("app"), "linux/amd64")
	require.NoError(t, err)
	x := &pipeline.Explainer{Snapshot: snap, Storage: storage, LoadAt: func(commit string) (*source.Snapshot, *config.Config, error) {
		old, err := source.Open(w.repo.Dir, source.AtCommit(commit))
		if err != nil {
			return nil, nil, err
		}
		c, err := config.Load(old, config.Options{Pinned: true})
		return old, c, err
	}}
	e := x.ExplainStapel(context.Background(), cfg.Image("app"), "linux/amd64", current)
	assert.Equal(t, first, e.Against, e.Note)
	require.NotEmpty(t, e.Changes, e.Note)
	assert.Contains(t, e.Changes[0], "stage setup: StageDependencies: git own /src -> /app stageDependencies.setup changed")
	for _, c := range e.Changes {
		assert.NotContains(t, c, "stage from", "the from stage did not change")
	}

	// The build says it too, in its log and its report.
	var log strings.Builder
	plan, err = pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
	require.NoError(t, err)
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: &enginetest.Fake{}, Explainer: x, Log: &log}).Run(context.Background())
	require.NoError(t, err)
	assert.Contains(t, report.Images["app"].Reason, "stage setup: StageDependencies: git own /src -> /app stageDependencies.setup changed")
	assert.Contains(t, log.String(), "rebuilt — stage setup:")
}

// A Stapel image for two platforms: each platform's chain is addressed and
// built on its own (the platform enters every digest but linux/amd64's), and
// the image is a manifest list of the two, as for Dockerfile images.
func TestStapelMultiPlatform(t *testing.T) {
	w := newStapelWorld(t, `configVersion: 1
project: st
---
image: app
from: $BASE_REF
platform: [linux/amd64, linux/arm64]
git:
- add: /src
  to: /app
shell:
  install: [make]
docker:
  WORKDIR: /app
`, map[string]string{"src/main.c": "int main(){}\n"})
	// The base is multi-platform too.
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(64, 1)
		require.NoError(t, err)
		img, err = mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: arch, RootFS: mustRootFS(t, img)})
		require.NoError(t, err)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	ref, err := name.NewTag(w.base)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, mutate.AppendManifests(empty.Index, adds...)))

	snap, cfg, _ := w.load()
	plan, err := pipeline.NewPlan(cfg)
	require.NoError(t, err)
	fake := &enginetest.Fake{}
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: w.storage("st"), Builder: fake}).Run(context.Background())
	require.NoError(t, err)

	var platforms []string
	for _, req := range fake.ShellRequests {
		platforms = append(platforms, req.Platform)
	}
	assert.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, platforms, "install ran once per platform")
	byPlatform := report.ImagesByPlatform["app"]
	require.Len(t, byPlatform, 2)
	amd, arm := byPlatform["linux/amd64"], byPlatform["linux/arm64"]
	assert.NotEqual(t, amd.Stages[0].DockerTag[:56], arm.Stages[0].DockerTag[:56], "the platform enters arm64's digests")
	for platform, rec := range byPlatform {
		cfg := configOf(t, w.repoAddress()+":"+rec.DockerTag)
		assert.Equal(t, platform, cfg.OS+"/"+cfg.Architecture, "the stage is built from the base for its platform")
		assert.Equal(t, "/app", cfg.Config.WorkingDir)
	}

	app := report.Images["app"]
	assert.Regexp(t, `^[0-9a-f]{56}$`, app.DockerTag, "the image is a manifest list under werf's bare tag")
	r, err := name.ParseReference(w.repoAddress() + ":" + app.DockerTag)
	require.NoError(t, err)
	idx, err := remote.Index(r)
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	assert.Len(t, m.Manifests, 2)

	snap, cfg, _ = w.load()
	plan, err = pipeline.NewPlan(cfg)
	require.NoError(t, err)
	fake = &enginetest.Fake{}
	again, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: w.storage("st"), Builder: fake}).Run(context.Background())
	require.NoError(t, err)
	assert.Zero(t, fake.Shells(), "a second build makes nothing")
	assert.Equal(t, app.DockerTag, again.Images["app"].DockerTag)
}

func mustRootFS(t *testing.T, img v1.Image) v1.RootFS {
	t.Helper()
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	return cfg.RootFS
}
