package e2e

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// BenchmarkStapelModule is the Deckhouse-module-shaped project (test/module
// with a secret and two more files, one platform) on the engine:
//   - cold: from an empty engine cache into an empty repository, every stage
//     of every image built;
//   - setup-change: a change to a file under the echo image's
//     stageDependencies.setup, from an empty engine cache as on a fresh
//     runner: the echo image from setup on, and the images that take its
//     digest or files (images-digests, bundle);
//   - no-op: nothing changed, nothing built; requests/op counts what it asks
//     the registry.
//
// The echo image's beforeInstall sleeps two seconds, standing for installing
// packages: the work a late change must not redo.
func BenchmarkStapelModule(b *testing.B) {
	w := moduleWorld(b)
	data, err := os.ReadFile(w.repo.Path("images/echo/werf.inc.yaml"))
	require.NoError(b, err)
	inc := strings.Replace(string(data), "  beforeInstall:\n  - mkdir -p /app\n", "  beforeInstall:\n  - mkdir -p /app\n  - sleep 2\n", 1)
	require.Contains(b, inc, "sleep 2")
	w.repo.Write("images/echo/werf.inc.yaml", inc)
	w.repo.Commit("slow beforeInstall")
	runs := 0
	build := func(b *testing.B, repo string) *pipeline.Report {
		report, _, err := w.run(repo, io.Discard, nil)
		require.NoError(b, err)
		return report
	}

	b.Run("cold", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			runs++
			repo := fmt.Sprintf("%s/cold-%d/hello-module", w.reg.Host, runs)
			pruneEngineCache(b)
			b.StartTimer()
			report := build(b, repo)
			b.StopTimer()
			// (The base-image aliases share one from stage: one image
			// builds it, the others find it.)
			for _, img := range []string{"hello-module/echo", "hello-module/hello", "batch-hooks", "images-digests-and-version", "bundle", "release-channel-version"} {
				require.True(b, report.Images[img].Rebuilt, "%s: a cold build builds everything", img)
			}
			b.StartTimer()
		}
	})

	repo := w.reg.Host + "/modules/hello-module"
	build(b, repo)
	change := 0
	b.Run("setup-change", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			change++
			w.repo.WriteMode("images/echo/src/echo.sh", fmt.Sprintf("#!/bin/sh\necho \"$GREETING, change %d\"\n", change), 0o755)
			w.repo.Commit("echo.sh")
			pruneEngineCache(b)
			b.StartTimer()
			report := build(b, repo)
			b.StopTimer()
			var rebuilt []string
			for _, s := range report.Images["hello-module/echo"].Stages {
				if s.Rebuilt {
					rebuilt = append(rebuilt, s.Name)
				}
			}
			require.Equal(b, []string{"setup", "imageSpec"}, rebuilt)
			b.StartTimer()
		}
	})

	b.Run("no-op", func(b *testing.B) {
		requests := 0
		for range b.N {
			b.StopTimer()
			w.reg.ResetRequests()
			b.StartTimer()
			report := build(b, repo)
			b.StopTimer()
			requests += len(w.reg.Requests())
			for img, rec := range report.Images {
				require.False(b, rec.Rebuilt, img)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
		if testing.Verbose() {
			kinds := map[string]int{}
			for _, r := range w.reg.Requests() {
				kind := r.Method + " " + r.Path
				switch {
				case strings.Contains(r.Path, "/tags/list"):
					kind = r.Method + " tags/list"
				case strings.Contains(r.Path, "/manifests/import-metadata-"):
					kind = r.Method + " manifests/import-metadata-*"
				case strings.Contains(r.Path, "/manifests/"):
					kind = r.Method + " manifests"
				case strings.Contains(r.Path, "/blobs/"):
					kind = r.Method + " blobs"
				}
				kinds[kind]++
			}
			b.Logf("the last no-op's requests: %v", kinds)
		}
	})
}
