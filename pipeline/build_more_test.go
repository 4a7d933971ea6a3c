package pipeline_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
)

// Changing a file rebuilds the images whose digest covers it, and the images
// that import from them; nothing else.
func TestBuildRebuildsOnlyWhatChanged(t *testing.T) {
	f := newFixture(t)
	first, err := f.run(runOptions{builder: &enginetest.Fake{}})
	require.NoError(t, err)

	f.repo.Write("helper/tool.sh", "echo tool v2\n")
	f.repo.Commit("change the helper")
	builder := &enginetest.Fake{}
	second, err := f.run(runOptions{builder: builder})
	require.NoError(t, err)
	var rebuilt []string
	for _, req := range builder.Requests {
		rebuilt = append(rebuilt, req.Image.Name)
	}
	assert.Equal(t, []string{"helper"}, rebuilt, "worker depends on helper without imports: its digest does not change")
	assert.Equal(t, first.Images["worker"].DockerTag, second.Images["worker"].DockerTag)

	f.repo.Write("base/Dockerfile", "FROM busybox\nRUN mkdir -p /srv\n")
	f.repo.Commit("change the base")
	builder = &enginetest.Fake{}
	_, err = f.run(runOptions{builder: builder})
	require.NoError(t, err)
	rebuilt = nil
	for _, req := range builder.Requests {
		rebuilt = append(rebuilt, req.Image.Name+"@"+req.Platform)
	}
	assert.ElementsMatch(t, []string{"base@linux/amd64", "base@linux/arm64", "app@linux/amd64", "app@linux/arm64"}, rebuilt, "app imports base's name")
}

func TestBuildCacheFinalRepoAndCustomTags(t *testing.T) {
	f := newFixture(t)
	cache, final := f.reg.Host+"/cache", f.reg.Host+"/release"
	report, err := f.run(runOptions{
		builder:    &enginetest.Fake{},
		storage:    []registry.Option{registry.WithCacheRepos(cache), registry.WithFinalRepo(final)},
		customTags: []string{"%image%-latest"},
	})
	require.NoError(t, err)

	cacheTags, finalTags := listTags(t, cache), listTags(t, final)
	for img, byPlatform := range report.ImagesByPlatform {
		for _, rec := range byPlatform {
			assert.Contains(t, cacheTags, rec.DockerTag[strings.LastIndex(rec.DockerTag, ":")+1:], "cache repo filled: %s", img)
		}
	}
	assert.ElementsMatch(t, []string{
		report.Images["base"].DockerTag, report.Images["app"].DockerTag, report.Images["worker"].DockerTag,
		"base-latest", "app-latest", "worker-latest",
	}, finalTags, "final images only (helper is not final), under their tags and the custom ones")
	assert.Equal(t, final, report.Images["app"].DockerRepo, "the report names the final repo")
	assert.Equal(t, digestOf(t, final+":app-latest"), digestOf(t, final+":"+report.Images["app"].DockerTag))
	assert.Equal(t, f.addr, report.Images["helper"].DockerRepo)
}

func TestBuildGiterminism(t *testing.T) {
	f := newFixture(t)
	f.repo.Write("app/src/main.sh", "echo local edit\n")
	f.repo.Write("app/src/new.sh", "echo new\n")
	f.repo.Write("app/README", "not copied\n")

	_, err := f.run(runOptions{builder: &enginetest.Fake{}, plan: []pipeline.PlanOption{pipeline.WithImages("app")}})
	require.Error(t, err)
	assert.Regexp(t, `^image "app" \(linux/(amd64|arm64)\): files that COPY/ADD take have uncommitted changes: app/src/main.sh, app/src/new.sh; commit them, build the working tree with --dev, or build the commit anyway with --loose-giterminism$`, err.Error())

	builder := &enginetest.Fake{}
	_, err = f.run(runOptions{builder: builder, dev: true, plan: []pipeline.PlanOption{pipeline.WithImages("app"), pipeline.WithPlatforms("linux/amd64")}})
	require.NoError(t, err)
	assert.Equal(t, "echo local edit\n", builder.Contexts["app@linux/amd64"]["src/main.sh"], "--dev builds the working tree")
	assert.Contains(t, builder.Contexts["app@linux/amd64"], "src/new.sh")

	builder = &enginetest.Fake{}
	_, err = f.run(runOptions{builder: builder, loose: true, plan: []pipeline.PlanOption{pipeline.WithImages("app"), pipeline.WithPlatforms("linux/amd64")}})
	require.NoError(t, err)
	assert.Equal(t, "echo app\n", builder.Contexts["app@linux/amd64"]["src/main.sh"], "--loose-giterminism builds the commit")
}

func TestBuildRefusesWhatTheEngineCannotDo(t *testing.T) {
	for _, tc := range []struct{ key, value, err string }{
		{"addHost", "[db:10.0.0.1]", "addHost is not supported: Dagger's Dockerfile builds take no extra hosts"},
		{"network", "host", `network "host" is not supported`},
	} {
		t.Run(tc.key, func(t *testing.T) {
			f := newFixture(t)
			f.repo.Write("werf.yaml", strings.Replace(project["werf.yaml"], "context: helper\n", "context: helper\n"+tc.key+": "+tc.value+"\n", 1))
			f.repo.Commit(tc.key)
			_, err := f.run(runOptions{builder: &enginetest.Fake{}, plan: []pipeline.PlanOption{pipeline.WithImages("helper")}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), `image "helper" (linux/amd64): `+tc.err)
		})
	}
}

func TestBuildSecretErrors(t *testing.T) {
	f := newFixture(t)
	_, err := f.run(runOptions{builder: &enginetest.Fake{}, env: map[string]string{}, plan: []pipeline.PlanOption{pipeline.WithImages("app")}})
	require.NoError(t, err, "NPM_TOKEN is set by the fixture")

	g := newFixture(t)
	g.repo.Write("werf.yaml", strings.Replace(project["werf.yaml"], "env: NPM_TOKEN", "env: MISSING_TOKEN", 1))
	g.repo.Write("werf-giterminism.yaml", "giterminismConfigVersion: 1\nconfig: {secrets: {allowEnvVariables: [MISSING_TOKEN]}}\n")
	g.repo.Commit("missing secret")
	_, err = g.run(runOptions{builder: &enginetest.Fake{}, plan: []pipeline.PlanOption{pipeline.WithImages("app")}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `secret "npm": environment variable MISSING_TOKEN is not set`)
}

// A failed build stops the run; images that depend on it never start.
func TestBuildFailureStopsTheRun(t *testing.T) {
	f := newFixture(t)
	builder := &enginetest.Fake{Fail: map[string]error{"base": errors.New("RUN mkdir /srv: exit code 1")}}
	_, err := f.run(runOptions{builder: builder})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `image "base" (linux/`)
	assert.Contains(t, err.Error(), "RUN mkdir /srv: exit code 1")
	for _, req := range builder.Requests {
		assert.NotEqual(t, "app", req.Image.Name, "app waits for base, which failed")
	}
}

// With KeepGoing every image that does not depend on a failure is built, in
// parallel and in sequence; the dependents are skipped and the error names every
// image that failed.
func TestBuildKeepGoing(t *testing.T) {
	for _, parallel := range []bool{true, false} {
		t.Run(fmt.Sprintf("parallel=%v", parallel), func(t *testing.T) {
			f := newFixture(t)
			builder := &enginetest.Fake{Fail: map[string]error{
				"base":   errors.New("RUN mkdir /srv: exit code 1"),
				"helper": errors.New("COPY tool.sh: not found"),
			}}
			_, err := f.run(runOptions{builder: builder, keepGoing: true,
				plan: []pipeline.PlanOption{pipeline.WithParallelism(parallel, 5)}})
			require.Error(t, err)
			for _, want := range []string{`image "base" (linux/amd64)`, `image "base" (linux/arm64)`, `image "helper" (linux/amd64)`} {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), "skipped", "a skipped dependent is not a failure of its own")
			var built []string
			for _, req := range builder.Requests {
				built = append(built, req.Image.Name+"@"+req.Platform)
			}
			assert.ElementsMatch(t, []string{"base@linux/amd64", "base@linux/arm64", "helper@linux/amd64"}, built,
				"every independent image is tried; app and worker depend on failures")
		})
	}
}

func TestBuildParallelism(t *testing.T) {
	f := newFixture(t)
	builder := &enginetest.Fake{Delay: 50 * time.Millisecond}
	_, err := f.run(runOptions{builder: builder, plan: []pipeline.PlanOption{pipeline.WithParallelism(true, 2)}})
	require.NoError(t, err)
	assert.LessOrEqual(t, builder.MaxSeen.Load(), int32(2), "--parallel-tasks-limit")
	assert.Equal(t, int32(2), builder.MaxSeen.Load(), "images without dependencies start together")

	g := newFixture(t)
	sequential := &enginetest.Fake{}
	_, err = g.run(runOptions{builder: sequential, plan: []pipeline.PlanOption{pipeline.WithParallelism(false, 5)}})
	require.NoError(t, err)
	assert.Equal(t, int32(1), sequential.MaxSeen.Load())
	var order []string
	for _, req := range sequential.Requests {
		order = append(order, req.Image.Name+"@"+req.Platform)
	}
	assert.Equal(t, []string{"base@linux/amd64", "base@linux/arm64", "helper@linux/amd64", "app@linux/amd64", "app@linux/arm64", "worker@linux/amd64"}, order, "plan order")
}

func listTags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo)
	require.NoError(t, err)
	tags, err := remote.List(r)
	require.NoError(t, err)
	return tags
}

func digestOf(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r)
	require.NoError(t, err)
	return d.Digest.String()
}

// As in werf, custom tags need cli.allowCustomTags in werf-giterminism.yaml, or
// --loose-giterminism.
func TestBuildCustomTagsNeedGiterminism(t *testing.T) {
	f := newFixture(t)
	f.repo.CommitFiles(map[string]string{"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {secrets: {allowEnvVariables: [NPM_TOKEN]}}\n"})
	builder := &enginetest.Fake{}
	_, err := f.run(runOptions{builder: builder, customTags: []string{"%image%-main"}})
	require.ErrorContains(t, err, "custom tags are not allowed by giterminism")
	assert.Zero(t, builder.Builds(), "refused before anything is built")

	_, err = f.run(runOptions{builder: builder, customTags: []string{"%image%-main"}, loose: true})
	require.NoError(t, err)
}

// Runners that each build one platform leave every stage in the registry but no
// manifest list: the run that writes the lists says so, and reports the images
// as not rebuilt; only a later run finds the lists up to date.
func TestBuildReportsManifestListsItWrites(t *testing.T) {
	f := newFixture(t)
	for _, platform := range []string{"linux/amd64", "linux/arm64"} {
		_, err := f.run(runOptions{builder: &enginetest.Fake{}, plan: []pipeline.PlanOption{pipeline.WithPlatforms(platform)}})
		require.NoError(t, err)
	}

	var log strings.Builder
	builder := &enginetest.Fake{}
	report, err := f.run(runOptions{builder: builder, log: &log})
	require.NoError(t, err)
	assert.Equal(t, 0, builder.Builds(), "every stage is there")
	for _, img := range []string{"base", "app"} {
		rec := report.Images[img]
		assert.False(t, rec.Rebuilt, img)
		assert.True(t, rec.ManifestListWritten, img)
		assert.Contains(t, log.String(), "image "+img+": published manifest list "+rec.DockerImageName+"\n")
	}
	assert.False(t, report.Images["worker"].ManifestListWritten, "a one-platform image has no list")

	log.Reset()
	report, err = f.run(runOptions{builder: &enginetest.Fake{}, log: &log})
	require.NoError(t, err)
	for _, img := range []string{"base", "app"} {
		assert.False(t, report.Images[img].ManifestListWritten, img)
	}
	assert.NotContains(t, log.String(), "published manifest list")
}
