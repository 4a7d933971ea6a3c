package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/test/enginetest"
)

// withImageSpec is the fixture with the Deckhouse module template's
// build.imageSpec (every final image: history cleared, every label removed but
// the ones werf keeps) and an imageSpec of worker's own.
func withImageSpec(f *fixture) {
	werf := strings.Replace(project["werf.yaml"], "project: shop\n", `project: shop
build:
  imageSpec:
    author: platform@example.com
    clearHistory: true
    config:
      clearWerfLabels: true
      removeLabels: [/.*/]
`, 1)
	werf = strings.Replace(werf, "image: worker\n", `image: worker
imageSpec:
  config:
    user: "1000"
    workingDir: /srv/worker
    entrypoint: [/srv/worker/run.sh]
    env: {MODE: production, PATH: "/srv/worker:${PATH}"}
    labels: {team: "%project%-%image%"}
`, 1)
	f.repo.CommitFiles(map[string]string{"werf.yaml": werf})
}

func configOf(t *testing.T, ref string) *v1.ConfigFile {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	return cfg
}

func TestBuildImageSpecStage(t *testing.T) {
	f := newFixture(t)
	withImageSpec(f)
	builder := &enginetest.Fake{}
	report, err := f.run(runOptions{builder: builder})
	require.NoError(t, err)
	assert.Equal(t, 6, builder.Builds(), "the imageSpec stages take no engine build")

	// worker: dockerfile, then imageSpec; the image is its imageSpec stage.
	worker := report.Images["worker"]
	names, rebuilt := stageNames(worker)
	assert.Equal(t, []string{"dockerfile", "imageSpec"}, names)
	assert.Equal(t, []bool{true, true}, rebuilt)
	dockerfileStage, specStage := worker.Stages[0], worker.Stages[1]
	assert.Equal(t, specStage.DockerTag, worker.DockerTag)

	snap, err := source.Open(f.repo.Dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	dfDigest := strings.SplitN(dockerfileStage.DockerTag, "-", 2)[0]
	specDigest, err := imagespec.Digest("linux/amd64", dfDigest, cfg.Image("worker").ImageSpec)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(worker.DockerTag, specDigest+"-"), "tagged with werf's imageSpec digest")
	digest, err := pipeline.Digest(context.Background(), cfg, stages.NewCalculator(cfg, snap), nil, cfg.Image("worker"), "linux/amd64", nil)
	require.NoError(t, err)
	assert.Equal(t, specDigest, digest, "dagwerf digest names the imageSpec stage")

	// Its config: what werf's would carry.
	prev := configOf(t, dockerfileStage.DockerImageName)
	got := configOf(t, worker.DockerImageName)
	assert.Equal(t, "platform@example.com", got.Author)
	assert.Empty(t, got.History)
	assert.Equal(t, "1000", got.Config.User)
	assert.Equal(t, "/srv/worker", got.Config.WorkingDir)
	assert.Equal(t, []string{"/srv/worker/run.sh"}, got.Config.Entrypoint)
	assert.Empty(t, got.Config.Cmd, "an entrypoint without cmd clears cmd")
	assert.Contains(t, got.Config.Env, "MODE=production")
	assert.Equal(t, map[string]string{
		"werf":                      "shop",
		"werf-stage-content-digest": imagespec.ContentDigest("linux/amd64", specDigest),
		"werf.io/parent-stage-id":   dockerfileStage.DockerTag,
		"werf-project-repo-commit":  prev.Config.Labels["werf-project-repo-commit"],
		"team":                      "shop-worker",
	}, got.Config.Labels, "every label removed but werf's essential ones, then its own added")
	assert.Equal(t, prev.RootFS, got.RootFS, "the same layers")
	// werf keeps the base's created time; dagwerf stamps the stage with when it
	// was made, so that a cleanup running beside the build (which keeps what
	// was built in its last hours) sees it as new.
	assert.True(t, got.Created.After(prev.Created.Time), "created %v, base created %v", got.Created, prev.Created)

	// A multi-platform final image gets the stage per platform, under one list;
	// the image that imports it takes its imageSpec stage.
	app := report.Images["app"]
	names, _ = stageNames(app)
	assert.Equal(t, []string{"dockerfile (linux/amd64)", "imageSpec (linux/amd64)", "dockerfile (linux/arm64)", "imageSpec (linux/arm64)"}, names)
	for _, req := range builder.Requests {
		if req.Image.Name == "app" {
			base := report.ImagesByPlatform["base"][req.Platform]
			assert.Equal(t, base.Stages[1].DockerImageName, req.BuildArgs["BASE_IMAGE"])
		}
	}
	// Not final: build.imageSpec does not apply.
	names, _ = stageNames(report.Images["helper"])
	assert.Equal(t, []string{"dockerfile"}, names)

	// Again: nothing built, nothing written.
	f.reg.ResetRequests()
	again := &enginetest.Fake{}
	report2, err := f.run(runOptions{builder: again})
	require.NoError(t, err)
	assert.Equal(t, 0, again.Builds())
	assert.Equal(t, 0, f.reg.Count("PUT", "")+f.reg.Count("POST", ""))
	assert.Equal(t, worker.DockerTag, report2.Images["worker"].DockerTag)
}

// werf gives a staged image no imageSpec stage: its tag is its last
// instruction's, as werf's is.
func TestStagedImageHasNoImageSpecStage(t *testing.T) {
	f := newFixture(t)
	withImageSpec(f)
	werf := f.repo.Git("show", "HEAD:werf.yaml")
	f.repo.CommitFiles(map[string]string{"werf.yaml": strings.Replace(werf, "image: worker\n", "image: worker\nstaged: true\n", 1)})
	var log strings.Builder
	report, err := f.run(runOptions{builder: &enginetest.Fake{}, log: &log})
	require.NoError(t, err)
	names, _ := stageNames(report.Images["worker"])
	assert.NotContains(t, names, "imageSpec")
	assert.Contains(t, log.String(), "imageSpec is left out")
}
