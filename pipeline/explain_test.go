package pipeline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A rebuilt image says what changed since its nearest recorded build; the
// others are found and say nothing.
func TestBuildSaysWhyItRebuilds(t *testing.T) {
	f := newFixture(t)
	var first strings.Builder
	report, err := f.run(runOptions{builder: &enginetest.Fake{}, records: true, explain: true, log: &first})
	require.NoError(t, err)
	assert.Contains(t, first.String(), "image worker: rebuilding — first build of this image: no build of it is recorded in "+f.addr)
	assert.Contains(t, report.Images["worker"].Reason, "first build of this image")

	f.repo.CommitFiles(map[string]string{"worker/run.sh": "echo worker v2\n", "README.md": "docs\n"})
	f.repo.CommitFiles(map[string]string{"helper/Dockerfile": "FROM busybox\nCOPY tool.sh /usr/local/bin/tool\n"})
	builder := &enginetest.Fake{}
	var log strings.Builder
	report, err = f.run(runOptions{builder: builder, records: true, explain: true, log: &log})
	require.NoError(t, err)
	assert.Equal(t, 2, builder.Builds(), "helper, and worker, which depends on it")

	lines := map[string]string{}
	for _, l := range strings.Split(log.String(), "\n") {
		if name, why, ok := strings.Cut(l, ": rebuilding — "); ok {
			_, name, _ = strings.Cut(name, ") ") // the plan's (i/N)
			lines[name] = why
		}
	}
	require.Len(t, lines, 2, log.String())
	assert.Contains(t, lines["image helper"], "helper/Dockerfile:2: COPY tool.sh /usr/bin/tool → COPY tool.sh /usr/local/bin/tool")
	assert.Contains(t, lines["image worker"], "run.sh changed (COPY . /srv/worker at worker/Dockerfile:2)")
	assert.Equal(t, lines["image worker"], report.Images["worker"].Reason)
	assert.Empty(t, report.Images["app"].Reason, "not rebuilt")

	// A dependency whose imported name changed: the image says why that one was
	// rebuilt, as that one said it.
	f.repo.CommitFiles(map[string]string{"base/Dockerfile": "FROM busybox\nRUN mkdir /srv /opt\n"})
	log.Reset()
	report, err = f.run(runOptions{builder: &enginetest.Fake{}, records: true, explain: true, log: &log})
	require.NoError(t, err)
	app := report.ImagesByPlatform["app"]["linux/arm64"].Reason
	assert.Contains(t, app, "base image: "+f.addr+":")
	assert.Contains(t, app, "; image base was rebuilt: base/Dockerfile:2: RUN mkdir /srv → RUN mkdir /srv /opt")

	// Nothing to rebuild: the explainer costs no request.
	f.reg.ResetRequests()
	_, err = f.run(runOptions{builder: &enginetest.Fake{}, records: true})
	require.NoError(t, err)
	without := len(f.reg.Requests())
	f.reg.ResetRequests()
	_, err = f.run(runOptions{builder: &enginetest.Fake{}, records: true, explain: true})
	require.NoError(t, err)
	assert.Equal(t, without, len(f.reg.Requests()))
}

// Where the time went: werf's Operations and StageCache in the report, and the
// critical path in the summary line.
func TestBuildReportsOperationsAndCriticalPath(t *testing.T) {
	f := newFixture(t)
	var log strings.Builder
	report, err := f.run(runOptions{builder: &enginetest.Fake{}, log: &log})
	require.NoError(t, err)
	for _, op := range []string{"stage digest", "stage lookup", "image build", "stage publish"} {
		require.Contains(t, report.Operations, op)
		assert.Equal(t, 6, report.Operations[op].Count, op)
		assert.LessOrEqual(t, report.Operations[op].WallTimeSeconds, report.Operations[op].TotalTimeSeconds+1e-9, op)
	}
	assert.Equal(t, map[string]int{"built": 6}, report.StageCache)
	assert.Regexp(t, `critical path: (base \[linux/(amd|arm)64\] [0-9.]+s → app \[linux/(amd|arm)64\]|helper [0-9.]+s → worker) [0-9.]+s\n`, log.String())

	report, err = f.run(runOptions{builder: &enginetest.Fake{}})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"found in repo stages storage": 6}, report.StageCache)
	assert.NotContains(t, report.Operations, "image build")
}

// A staged image says why too, once, at its first stage to build.
func TestStagedBuildSaysWhyItRebuilds(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(stagedProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/staged"
	build := func() (*pipeline.Report, string) {
		snap, err := source.Open(r.Dir)
		require.NoError(t, err)
		cfg, err := config.Load(snap, config.Options{})
		require.NoError(t, err)
		plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
		require.NoError(t, err)
		storage, err := registry.New("staged", repo)
		require.NoError(t, err)
		var log strings.Builder
		report, err := (&pipeline.Build{
			Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: &enginetest.Fake{}, Log: &log, Records: true,
			Explainer: &pipeline.Explainer{Snapshot: snap, Storage: storage, LoadAt: loaderAt(r.Dir)},
		}).Run(context.Background())
		require.NoError(t, err)
		return report, log.String()
	}
	build()
	r.CommitFiles(map[string]string{"late.txt": "later\n"})
	report, log := build()
	assert.Equal(t, 1, strings.Count(log, "rebuilding — "), log)
	assert.Contains(t, log, "image app: rebuilding — late.txt changed (COPY late.txt /app/late.txt at Dockerfile:11)")
	assert.Contains(t, report.Images["app"].Reason, "late.txt changed")
}
