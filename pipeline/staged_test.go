package pipeline_test

import (
	"context"
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

// stagedProject is an image built from a staged Dockerfile with a build stage,
// and a base image it imports the name of.
var stagedProject = map[string]string{
	"werf.yaml": `configVersion: 1
project: staged
---
image: base
dockerfile: base.Dockerfile
---
image: app
dockerfile: Dockerfile
staged: true
args: {GREETING: hello}
dependencies:
- image: base
  imports: [{type: ImageName, targetBuildArg: BASE_IMAGE}]
`,
	"base.Dockerfile": "FROM busybox\n",
	"Dockerfile": `ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS build
COPY src/ /src/
RUN cat /src/* > /out

FROM ${BASE_IMAGE}
ARG GREETING
ENV GREETING=${GREETING}
WORKDIR /app
COPY --from=build /out /app/out
COPY late.txt /app/late.txt
CMD ["/app/out"]
`,
	"src/a.txt": "A\n",
	"late.txt":  "late\n",
}

func runStaged(t *testing.T, dir, repo string) (*pipeline.Report, *enginetest.Fake) {
	t.Helper()
	snap, err := source.Open(dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
	require.NoError(t, err)
	storage, err := registry.New("staged", repo)
	require.NoError(t, err)
	builder := &enginetest.Fake{}
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: builder}).Run(context.Background())
	require.NoError(t, err)
	return report, builder
}

// stageNames are the stages a report lists for an image, with what was built.
func stageNames(rec pipeline.ReportImage) (names []string, rebuilt []bool) {
	for _, s := range rec.Stages {
		names = append(names, s.Name)
		rebuilt = append(rebuilt, s.Rebuilt)
	}
	return names, rebuilt
}

func TestStagedImage(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(stagedProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/staged"

	report, builder := runStaged(t, r.Dir, repo)
	app := report.Images["app"]
	assert.Equal(t, "staged", app.ConfigType)
	names, rebuilt := stageNames(app)
	assert.Equal(t, []string{"FROM", "ENV", "WORKDIR", "COPY", "COPY", "CMD"}, names)
	assert.Equal(t, []bool{false, true, true, true, true, true}, rebuilt, "both stages are FROM the same base: one FROM stage, built for app/stage/build")
	// base, then app/stage/build (FROM, COPY, RUN) and app (5 stages after the shared FROM).
	assert.Equal(t, 1+3+5, builder.Builds())
	var inline []string
	for _, req := range builder.Requests {
		if req.Inline != "" {
			inline = append(inline, req.Inline)
		}
	}
	require.Len(t, inline, 8)
	assert.True(t, strings.HasPrefix(inline[0], "FROM "+repo+":"), "the build stage's FROM is base's stored image: %s", inline[0])
	assert.Contains(t, inline[6], "COPY late.txt /app/late.txt")
	assert.Regexp(t, `^FROM `+repo+`:[0-9a-f]{56}-\d+\nARG GREETING=hello\nCOPY --from=`+repo+`:[0-9a-f]{56}-\d+ /out /app/out\n$`, inline[5])
	assert.True(t, app.Rebuilt)
	assert.Equal(t, app.DockerTag, app.Stages[5].DockerTag, "the image is its last stage")
	build := report.Images["app/stage/build"]
	assert.Equal(t, "unknown", build.ConfigType)
	assert.False(t, build.Final)
	names, _ = stageNames(build)
	assert.Equal(t, []string{"FROM", "COPY", "RUN"}, names)
	assert.Contains(t, report.ImagesByPlatform["app/stage/build"], "linux/amd64")

	// Nothing changed: nothing is built.
	again, builder := runStaged(t, r.Dir, repo)
	assert.Zero(t, builder.Builds())
	assert.Equal(t, app.DockerTag, again.Images["app"].DockerTag)
	_, rebuilt = stageNames(again.Images["app"])
	assert.Equal(t, []bool{false, false, false, false, false, false}, rebuilt)

	// A change to a file copied late rebuilds that COPY and what follows.
	r.CommitFiles(map[string]string{"late.txt": "changed\n"})
	changed, builder := runStaged(t, r.Dir, repo)
	_, rebuilt = stageNames(changed.Images["app"])
	assert.Equal(t, []bool{false, false, false, false, true, true}, rebuilt)
	assert.Equal(t, 2, builder.Builds())
	assert.NotEqual(t, app.DockerTag, changed.Images["app"].DockerTag)
}

// Addressing a staged image without building it takes the stages it is built on
// from storage, and says so when they are not there.
func TestStagedDigest(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(stagedProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/staged"
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	calc := stages.NewCalculator(cfg, snap)
	storage, err := registry.New("staged", repo)
	require.NoError(t, err)
	imports := pipeline.StorageImports{Config: cfg, Calculator: calc, Storage: storage}

	_, err = pipeline.Digest(context.Background(), cfg, calc, storage, cfg.Image("app"), "linux/amd64", imports)
	assert.ErrorContains(t, err, "is not in "+repo+" yet")
	_, err = pipeline.Digest(context.Background(), cfg, calc, nil, cfg.Image("app"), "linux/amd64", nil)
	assert.ErrorContains(t, err, "a staged image's digests take its base image's env from its FROM stage as stored")

	report, _ := runStaged(t, r.Dir, repo)
	storage, err = registry.New("staged", repo) // a new run: a fresh tag listing
	require.NoError(t, err)
	imports.Storage = storage
	digest, err := pipeline.Digest(context.Background(), cfg, calc, storage, cfg.Image("app"), "linux/amd64", imports)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(report.Images["app"].DockerTag, digest+"-"), "%s is %s", report.Images["app"].DockerTag, digest)
}

// digest --stages lists a staged image's stages as the build made them.
func TestStagedStageDigests(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(stagedProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/staged"
	report, _ := runStaged(t, r.Dir, repo)

	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	storage, err := registry.New("staged", repo)
	require.NoError(t, err)
	calc := stages.NewCalculator(cfg, snap)
	list, err := pipeline.StageDigests(context.Background(), cfg, calc, storage, cfg.Image("app"), "linux/amd64",
		pipeline.StorageImports{Config: cfg, Calculator: calc, Storage: storage})
	require.NoError(t, err)

	var want []pipeline.StageDigest
	for _, img := range []string{"app/stage/build", "app"} {
		for _, st := range report.Images[img].Stages {
			want = append(want, pipeline.StageDigest{Image: img, Name: st.Name, Digest: strings.SplitN(st.DockerTag, "-", 2)[0]})
		}
	}
	assert.Equal(t, want, list)
}

// werf takes no stage created before the stage it follows: such a stage can only
// be there when its parent was rebuilt (after a cleanup), and its content came
// from the old parent.
func TestStagedStageOlderThanItsParentIsNotTaken(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(stagedProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/staged"
	report, _ := runStaged(t, r.Dir, repo)
	app := report.Images["app"]
	last := app.Stages[len(app.Stages)-1]
	digest, _, _ := strings.Cut(last.DockerTag, "-")

	// The same digest, stored at the first millisecond: older than every parent.
	src, err := name.NewTag(repo + ":" + last.DockerTag)
	require.NoError(t, err)
	dst, err := name.NewTag(repo + ":" + digest + "-1")
	require.NoError(t, err)
	img, err := remote.Image(src)
	require.NoError(t, err)
	require.NoError(t, remote.Write(dst, img))

	again, builder := runStaged(t, r.Dir, repo)
	assert.Zero(t, builder.Builds())
	assert.Equal(t, last.DockerTag, again.Images["app"].DockerTag, "the older stage of the same digest is passed over")
}
