package pipeline_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// BenchmarkDigestStapel100 is `dagwerf digest` of 100 Stapel images, each with a
// git mapping of its own directory (stageDependencies on its Go files) over a
// 10,000-file repository, shell stages and a docker section, against an empty
// --repo: open the repository, load werf.yaml, address every stage of every
// image. It reports the registry requests of one run (the goal: one tag
// listing, nothing per missing stage).
func BenchmarkDigestStapel100(b *testing.B) {
	const images, filesPer = 100, 100
	files := map[string]string{}
	var werf strings.Builder
	werf.WriteString("configVersion: 1\nproject: bench\n")
	for i := range images {
		fmt.Fprintf(&werf, `---
image: svc%03d
from: registry.example.com/base:1
git:
- add: /svc%03d
  to: /app
  excludePaths: [testdata]
  stageDependencies:
    install: ['**/go.mod']
    setup: ['**/*.go']
shell:
  install: [cd /app && go mod download]
  setup: [cd /app && go build ./...]
docker:
  WORKDIR: /app
`, i, i)
		files[fmt.Sprintf("svc%03d/go.mod", i)] = fmt.Sprintf("module svc%03d\n", i)
		for j := range filesPer - 1 {
			files[fmt.Sprintf("svc%03d/pkg%d/f%02d.go", i, j%10, j)] = fmt.Sprintf("package pkg // %d %d\n", i, j)
		}
	}
	files["werf.yaml"] = werf.String()
	r := gittest.New(b)
	r.CommitFiles(files)
	reg := registrytest.New(b)
	repo := reg.Host + "/bench"
	ctx := context.Background()

	run := func() int {
		snap, err := source.Open(r.Dir)
		require.NoError(b, err)
		cfg, err := config.Load(snap, config.Options{})
		require.NoError(b, err)
		storage, err := registry.New("bench", repo)
		require.NoError(b, err)
		s := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: storage, Calculator: stages.NewCalculator(cfg, snap)}
		n := 0
		for _, img := range cfg.Images {
			list, err := s.StageDigests(ctx, img, "linux/amd64")
			require.NoError(b, err)
			n += len(list)
		}
		return n
	}
	b.ReportAllocs()
	var requests, lists, stageCount int
	for b.Loop() {
		reg.ResetRequests()
		stageCount = run()
		requests, lists = len(reg.Requests()), reg.Count("GET", "/tags/list")
	}
	b.ReportMetric(float64(stageCount), "stages/op")
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(lists), "tag-lists/op")
}
