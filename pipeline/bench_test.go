package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// BenchmarkNoopBuild50 is a whole build of a 50-image project whose stages all
// exist: open the repository, load werf.yaml, plan, address every image, look it
// up, report. It reports the registry requests of one run and the engine builds
// (the goal is none).
func BenchmarkNoopBuild50(b *testing.B) {
	files := map[string]string{}
	var werf strings.Builder
	werf.WriteString("configVersion: 1\nproject: bench\n")
	for i := range 50 {
		fmt.Fprintf(&werf, "---\nimage: svc%02d\ndockerfile: Dockerfile\ncontext: svc%02d\n", i, i)
		if i > 0 && i%10 != 0 {
			fmt.Fprintf(&werf, "dependencies:\n- image: svc%02d\n  imports: [{type: ImageName, targetBuildArg: BASE}]\n", i-i%10)
		}
		files[fmt.Sprintf("svc%02d/Dockerfile", i)] = "ARG BASE=busybox\nFROM ${BASE}\nCOPY . /srv\n"
		files[fmt.Sprintf("svc%02d/main.go", i)] = fmt.Sprintf("package main // %d\n", i)
	}
	files["werf.yaml"] = werf.String()
	r := gittest.New(b)
	r.CommitFiles(files)
	reg := registrytest.New(b)
	repo := reg.Host + "/bench"

	run := func(builder pipeline.Builder) *pipeline.Report {
		return buildProject(b, r.Dir, "bench", repo, &pipeline.Build{Builder: builder})
	}
	run(&enginetest.Fake{}) // the cold build

	b.ResetTimer()
	var requests, lists, builds int
	for b.Loop() {
		reg.ResetRequests()
		engine := &enginetest.Fake{}
		run(engine)
		requests, lists, builds = len(reg.Requests()), reg.Count("GET", "/tags/list"), engine.Builds()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(lists), "tag-lists/op")
	b.ReportMetric(float64(builds), "engine-builds/op")
}

// BenchmarkNoopBuildNewCommit1000 is a build of a 1,000-image project whose
// stages all exist, on a commit that changes none of them, writing werf's records
// and ready to explain rebuilds, as a --repo build does: one meta record per
// image, nothing else written, nothing explained. It
// reports the registry requests of one run, the manifests written and the
// engine builds (the goal is none).
func BenchmarkNoopBuildNewCommit1000(b *testing.B) {
	const images = 1000
	files := map[string]string{}
	var werf strings.Builder
	werf.WriteString("configVersion: 1\nproject: bench\n")
	for i := range images {
		fmt.Fprintf(&werf, "---\nimage: svc%04d\ndockerfile: Dockerfile\ncontext: svc%04d\n", i, i)
		files[fmt.Sprintf("svc%04d/Dockerfile", i)] = "FROM scratch\nCOPY . /srv\n"
		files[fmt.Sprintf("svc%04d/main.go", i)] = fmt.Sprintf("package main // %d\n", i)
	}
	files["werf.yaml"] = werf.String()
	r := gittest.New(b)
	r.CommitFiles(files)
	reg := registrytest.New(b)
	repo := reg.Host + "/bench"

	run := func(builder pipeline.Builder) {
		explainer := &pipeline.Explainer{LoadAt: func(string) (*source.Snapshot, *config.Config, error) {
			return nil, nil, errors.New("a no-op build explains nothing")
		}}
		buildProject(b, r.Dir, "bench", repo, &pipeline.Build{Builder: builder, Records: true, Explainer: explainer})
	}
	run(&enginetest.Fake{}) // the cold build

	var requests, writes, builds, commit int
	for b.Loop() {
		b.StopTimer()
		commit++
		r.CommitFiles(map[string]string{"NOTES.md": fmt.Sprintf("commit %d\n", commit)})
		reg.ResetRequests()
		engine := &enginetest.Fake{}
		b.StartTimer()
		run(engine)
		requests, writes, builds = len(reg.Requests()), reg.Count("PUT", "/manifests/"), engine.Builds()
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(writes), "manifests-written/op")
	b.ReportMetric(float64(builds), "engine-builds/op")
}

// buildProject runs build (its Builder and options set) over the project in dir
// with the stages in repo, as the command line would: open, load, plan, build.
func buildProject(tb testing.TB, dir, project, repo string, build *pipeline.Build, planOpts ...pipeline.PlanOption) *pipeline.Report {
	tb.Helper()
	snap, err := source.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(snap, config.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	plan, err := pipeline.NewPlan(cfg, planOpts...)
	if err != nil {
		tb.Fatal(err)
	}
	storage, err := registry.New(project, repo)
	if err != nil {
		tb.Fatal(err)
	}
	build.Config, build.Snapshot, build.Plan, build.Storage = cfg, snap, plan, storage
	if build.Explainer != nil {
		build.Explainer.Snapshot, build.Explainer.Storage = snap, storage
	}
	report, err := build.Run(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return report
}
