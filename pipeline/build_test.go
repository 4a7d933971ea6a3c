package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
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

// project is a werf.yaml of four images: a base for two platforms, an app that
// imports the base's name into FROM, a non-final helper, and a worker.
var project = map[string]string{
	"werf.yaml": `configVersion: 1
project: shop
---
image: base
dockerfile: Dockerfile
context: base
platform: [linux/amd64, linux/arm64]
---
image: helper
dockerfile: Dockerfile
context: helper
final: false
---
image: app
dockerfile: Dockerfile
context: app
platform: [linux/amd64, linux/arm64]
args:
  MODE: production
secrets:
- id: npm
  env: NPM_TOKEN
dependencies:
- image: base
  imports:
  - {type: ImageName, targetBuildArg: BASE_IMAGE}
  - {type: ImageDigest, targetBuildArg: BASE_DIGEST}
---
image: worker
dockerfile: Dockerfile
context: worker
dependencies:
- image: helper
`,
	"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {secrets: {allowEnvVariables: [NPM_TOKEN]}}\ncli: {allowCustomTags: true}\n",
	"base/Dockerfile":       "FROM busybox\nRUN mkdir /srv\n",
	"helper/Dockerfile":     "FROM busybox\nCOPY tool.sh /usr/bin/tool\n",
	"helper/tool.sh":        "echo tool\n",
	"app/Dockerfile":        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG MODE\nCOPY src/ /srv/app/\nRUN --mount=type=secret,id=npm cat /run/secrets/npm >/dev/null\n",
	"app/src/main.sh":       "echo app\n",
	"app/.dockerignore":     "**/*.log\n",
	"app/src/debug.log":     "ignored\n",
	"worker/Dockerfile":     "FROM busybox\nCOPY . /srv/worker\n",
	"worker/run.sh":         "echo worker\n",
}

type fixture struct {
	t    *testing.T
	repo *gittest.Repo
	reg  *registrytest.Registry
	addr string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r := gittest.New(t)
	r.CommitFiles(project)
	reg := registrytest.New(t)
	return &fixture{t: t, repo: r, reg: reg, addr: reg.Host + "/shop"}
}

type runOptions struct {
	builder    *enginetest.Fake
	storage    []registry.Option
	plan       []pipeline.PlanOption
	dev, loose bool
	customTags []string
	env        map[string]string
	keepGoing  bool
	records    bool // write werf's records, as a build into a --repo does
	explain    bool // say why images are rebuilt
	log        io.Writer
}

// loaderAt loads the project in dir at an earlier commit, as an Explainer does.
func loaderAt(dir string) func(commit string) (*source.Snapshot, *config.Config, error) {
	return func(commit string) (*source.Snapshot, *config.Config, error) {
		snap, err := source.Open(dir, source.AtCommit(commit))
		if err != nil {
			return nil, nil, err
		}
		cfg, err := config.Load(snap, config.Options{Pinned: true, LookupEnv: func(string) (string, bool) { return "", false }})
		return snap, cfg, err
	}
}

func (f *fixture) run(o runOptions) (*pipeline.Report, error) {
	f.t.Helper()
	var sopts []source.Option
	if o.dev {
		sopts = append(sopts, source.WithWorktree())
	}
	snap, err := source.Open(f.repo.Dir, sopts...)
	require.NoError(f.t, err)
	cfg, err := config.Load(snap, config.Options{LooseGiterminism: o.loose})
	require.NoError(f.t, err)
	plan, err := pipeline.NewPlan(cfg, o.plan...)
	require.NoError(f.t, err)
	storage, err := registry.New("shop", f.addr, o.storage...)
	require.NoError(f.t, err)
	env := map[string]string{"NPM_TOKEN": "npm-s3cret-token"}
	for k, v := range o.env {
		env[k] = v
	}
	b := &pipeline.Build{
		Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: o.builder,
		CustomTags: o.customTags, Version: "dagwerf-test", Loose: o.loose, KeepGoing: o.keepGoing, Records: o.records,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Log:       o.log,
	}
	if o.explain {
		b.Explainer = &pipeline.Explainer{Snapshot: snap, Storage: storage, LoadAt: loaderAt(f.repo.Dir)}
	}
	return b.Run(context.Background())
}

func TestBuildPublishesWhatIsMissingAndNothingElse(t *testing.T) {
	f := newFixture(t)
	builder := &enginetest.Fake{}
	report, err := f.run(runOptions{builder: builder})
	require.NoError(t, err)
	assert.Equal(t, 6, builder.Builds(), "base×2, helper, app×2, worker")

	// What the engine was given.
	for _, req := range builder.Requests {
		switch req.Image.Name {
		case "app":
			base := report.ImagesByPlatform["base"][req.Platform]
			assert.Equal(t, map[string]string{"MODE": "production", "BASE_IMAGE": base.DockerImageName, "BASE_DIGEST": base.DockerImageDigest}, req.BuildArgs)
			assert.Equal(t, []pipeline.Secret{{ID: "npm", Value: []byte("npm-s3cret-token")}}, req.Secrets)
			assert.Equal(t, map[string]string{"Dockerfile": project["app/Dockerfile"], ".dockerignore": "**/*.log\n", "src/main.sh": "echo app\n"},
				builder.Contexts["app@"+req.Platform], "the committed context, without what .dockerignore leaves out")
		case "worker":
			assert.Empty(t, req.BuildArgs, "a dependency without imports passes nothing")
		}
	}

	// Every tag is the digest dagwerf computes.
	snap, _ := source.Open(f.repo.Dir)
	cfg, _ := config.Load(snap, config.Options{})
	calc := stages.NewCalculator(cfg, snap)
	for _, img := range []string{"base", "helper", "app", "worker"} {
		for platform, rec := range report.ImagesByPlatform[img] {
			stage, err := calc.Stage(context.Background(), cfg.Image(img), platform, reportImports{report})
			require.NoError(t, err, img)
			assert.True(t, strings.HasPrefix(rec.DockerTag, stage.Digest+"-"), "%s %s: %s", img, platform, rec.DockerTag)
		}
	}

	// The report.
	app := report.Images["app"]
	assert.Len(t, app.DockerTag, 56, "a multi-platform image is its manifest list")
	assert.Equal(t, "", app.TargetPlatform)
	assert.True(t, app.Rebuilt)
	assert.Equal(t, app.DockerImageID, app.DockerImageDigest)
	require.Len(t, app.Stages, 2)
	assert.Equal(t, "dockerfile (linux/amd64)", app.Stages[0].Name)
	assert.Equal(t, "dockerfile (linux/arm64)", app.Stages[1].Name)
	assert.Equal(t, "", app.ConfigType, "werf gives a multi-platform record no config type")
	assert.Equal(t, "dockerfile", report.ImagesByPlatform["app"]["linux/arm64"].Stages[0].Name, "a platform's record names its stages plainly")
	assert.Equal(t, "dockerfile", report.ImagesByPlatform["app"]["linux/arm64"].ConfigType)
	assert.Equal(t, "repo", app.Stages[0].SourceType)
	helper := report.Images["helper"]
	assert.False(t, helper.Final)
	assert.Equal(t, "linux/amd64", helper.TargetPlatform)
	assert.Equal(t, "dockerfile", helper.Stages[0].Name)
	assert.Equal(t, f.repo.Git("rev-parse", "HEAD"), helper.Commit)

	// Labels.
	ref, _ := name.ParseReference(report.ImagesByPlatform["app"]["linux/arm64"].DockerImageName)
	img, err := remote.Image(ref)
	require.NoError(t, err)
	cfgFile, _ := img.ConfigFile()
	labels := cfgFile.Config.Labels
	assert.Equal(t, "shop", labels["werf"])
	assert.Equal(t, "dagwerf-test", labels["werf-version"])
	armDigest := strings.SplitN(report.ImagesByPlatform["app"]["linux/arm64"].DockerTag, "-", 2)[0]
	assert.Equal(t, stages.ContentDigest("linux/arm64", armDigest), labels["werf-stage-content-digest"])
	baseTag := report.ImagesByPlatform["base"]["linux/arm64"].DockerTag
	assert.Equal(t, baseTag, labels["werf-dependency-stage-id-"+stages.Sha256(baseTag)])

	// No secret anywhere in the report or the labels.
	data, _ := report.Marshal(".json")
	assert.NotContains(t, string(data), "npm-s3cret-token")
	for _, v := range labels {
		assert.NotContains(t, v, "npm-s3cret-token")
	}

	// A second run builds nothing and publishes nothing.
	f.reg.ResetRequests()
	again := &enginetest.Fake{}
	report2, err := f.run(runOptions{builder: again})
	require.NoError(t, err)
	assert.Equal(t, 0, again.Builds())
	assert.Equal(t, 0, f.reg.Count("PUT", "")+f.reg.Count("POST", "")+f.reg.Count("PATCH", ""), "nothing is written")
	assert.Equal(t, 1, f.reg.Count("GET", "/tags/list"), "one tag listing")
	assert.False(t, report2.Images["app"].Rebuilt)
	assert.Equal(t, report.Images["app"].DockerTag, report2.Images["app"].DockerTag)
	assert.Equal(t, "", report2.Images["app"].Stages[0].SourceType)
}

// reportImports gives the import values a report shows, as a later run sees them
// in the registry.
type reportImports struct{ r *pipeline.Report }

func (i reportImports) ImportValues(_ context.Context, image, platform string) (stages.ImportValues, error) {
	rec, ok := i.r.ImagesByPlatform[image][platform]
	if !ok {
		return stages.ImportValues{}, fmt.Errorf("no %s %s in the report", image, platform)
	}
	return stages.ImportValues{Name: rec.DockerImageName, ID: rec.DockerImageID, Digest: rec.DockerImageDigest}, nil
}
