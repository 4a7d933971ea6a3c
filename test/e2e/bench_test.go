package e2e

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"dagger.io/dagger"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// BenchmarkColdBuild is the example project built from an empty engine cache
// into an empty repository: by dagwerf (digests, lookups, context export, locks,
// labels, per-platform stages and manifest lists), and by plain Dagger doing the
// same Dockerfile builds as directly as it can (DockerBuild of the context on
// disk, one multi-platform Publish per image, dependencies by published name).
// The difference is what dagwerf adds to a build that has everything to do.
func BenchmarkColdBuild(b *testing.B) {
	w := newWorld(b, filepath.Join("..", "example"))

	// Every run of every iteration writes to a repository of its own.
	runs := 0
	fresh := func(kind string) string {
		runs++
		return fmt.Sprintf("%s/cold-%s-%d", w.reg.Host, kind, runs)
	}

	b.Run("dagwerf", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			pruneEngineCache(b)
			b.StartTimer()
			report, _ := w.buildInto(fresh("dagwerf"), io.Discard)
			b.StopTimer()
			for img, rec := range report.Images {
				require.True(b, rec.Rebuilt, "%s: a cold build builds everything", img)
			}
			b.StartTimer()
		}
	})
	b.Run("dagger", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			pruneEngineCache(b)
			b.StartTimer()
			plainDagger(b, w, fresh("dagger"))
		}
	})
}

// plainDagger builds the example's images as a Dagger user would by hand:
// base and tools at once, then api and worker FROM their published names.
func plainDagger(b *testing.B, w *world, repo string) {
	ctx := context.Background()
	client, err := dagger.Connect(ctx)
	require.NoError(b, err)
	defer client.Close()

	type image struct{ name, context, target string }
	publish := func(img image, args []dagger.BuildArg) string {
		dir := client.Host().Directory(filepath.Join(w.repo.Dir, img.context))
		var variants []*dagger.Container
		for _, p := range w.platforms {
			variants = append(variants, dir.DockerBuild(dagger.DirectoryDockerBuildOpts{
				Platform: dagger.Platform(p), Target: img.target, BuildArgs: args,
			}))
		}
		ref, err := client.Container().Publish(ctx, repo+":"+img.name, dagger.ContainerPublishOpts{PlatformVariants: variants})
		require.NoError(b, err, img.name)
		return ref
	}
	all := func(images []image, args []dagger.BuildArg) map[string]string {
		refs := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, img := range images {
			wg.Go(func() {
				ref := publish(img, args)
				mu.Lock()
				refs[img.name] = ref
				mu.Unlock()
			})
		}
		wg.Wait()
		return refs
	}

	first := all([]image{{"base", "base", ""}, {"tools", "tools", ""}},
		[]dagger.BuildArg{{Name: "BUSYBOX", Value: w.env["BASE_REGISTRY"] + "/busybox:1.36"}})
	all([]image{{"api", "app", "api"}, {"worker", "app", "worker"}}, []dagger.BuildArg{
		{Name: "BASE_IMAGE", Value: first["base"]},
		{Name: "TOOLS_IMAGE", Value: first["tools"]},
	})
}

// BenchmarkStagedRebuild is the rebuild after a change to a file copied late in
// a Dockerfile whose early instructions are slow (a two-second RUN stands for
// installing packages), from an empty engine cache as on a fresh runner: staged,
// only the instructions after the change run; whole, everything does.
func BenchmarkStagedRebuild(b *testing.B) {
	dir := b.TempDir()
	writeFiles(b, dir, map[string]string{
		"werf.yaml": `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: rebuild
---
image: staged
dockerfile: Dockerfile
staged: true
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
---
image: whole
dockerfile: Dockerfile
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
`,
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n",
		"Dockerfile": `ARG BUSYBOX
FROM ${BUSYBOX}
WORKDIR /app
RUN sleep 2 && echo installed > /app/packages
ENV MODE=production
COPY late.txt ./late.txt
RUN read -r l < late.txt; echo "$l" > built.txt
CMD ["cat", "/app/built.txt"]
`,
		"late.txt": "0\n",
	})
	w := newWorld(b, dir)
	w.platforms = w.platforms[:1]
	only := func(image string) func(*pipeline.Build) {
		return func(build *pipeline.Build) {
			plan, err := pipeline.NewPlan(build.Config, pipeline.WithImages(image), pipeline.WithPlatforms(w.platforms...))
			require.NoError(b, err)
			build.Plan = plan
		}
	}
	repo := w.reg.Host + "/rebuild"
	_, _, err := w.run(repo, io.Discard, nil)
	require.NoError(b, err)

	change := 0
	for _, image := range []string{"staged", "whole"} {
		b.Run(image, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				change++
				w.repo.Write("late.txt", fmt.Sprintf("%d\n", change))
				w.repo.Commit("change")
				pruneEngineCache(b)
				b.StartTimer()
				report, _, err := w.run(repo, io.Discard, only(image))
				require.NoError(b, err)
				b.StopTimer()
				require.True(b, report.Images[image].Rebuilt)
				b.StartTimer()
			}
		})
	}
}

// pruneEngineCache empties the engine's cache, so that what follows runs as on a
// fresh runner.
func pruneEngineCache(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	client, err := dagger.Connect(ctx)
	require.NoError(b, err)
	defer client.Close()
	require.NoError(b, client.Engine().LocalCache().Prune(ctx))
}
