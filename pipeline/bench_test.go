package pipeline_test

import (
	"context"
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
		snap, err := source.Open(r.Dir)
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := config.Load(snap, config.Options{})
		if err != nil {
			b.Fatal(err)
		}
		plan, err := pipeline.NewPlan(cfg)
		if err != nil {
			b.Fatal(err)
		}
		storage, err := registry.New("bench", repo)
		if err != nil {
			b.Fatal(err)
		}
		report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: builder}).Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		return report
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
// as a --repo build does: one meta record per image, nothing else written. It
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
		snap, err := source.Open(r.Dir)
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := config.Load(snap, config.Options{})
		if err != nil {
			b.Fatal(err)
		}
		plan, err := pipeline.NewPlan(cfg)
		if err != nil {
			b.Fatal(err)
		}
		storage, err := registry.New("bench", repo)
		if err != nil {
			b.Fatal(err)
		}
		build := &pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: builder, Records: true}
		if _, err := build.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
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
