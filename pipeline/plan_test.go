package pipeline_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// loadConfig commits a werf.yaml into a fresh repository and loads it.
func loadConfig(t *testing.T, werfYAML string) *config.Config {
	t.Helper()
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"werf.yaml": werfYAML})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	cfg, err := config.Load(s, config.Options{})
	require.NoError(t, err)
	return cfg
}

// A backend image, a base that the app imports, a non-final builder, a worker, and
// the app for two platforms.
const example = `configVersion: 1
project: shop
---
image: base
dockerfile: base.Dockerfile
platform: [linux/amd64, linux/arm64]
---
image: builder
dockerfile: builder.Dockerfile
final: false
platform: [linux/amd64, linux/arm64]
---
image: app
dockerfile: Dockerfile
platform: [linux/amd64, linux/arm64]
dependencies:
- image: base
  imports: [{type: ImageName, targetBuildArg: BASE}]
- image: builder
---
image: worker
dockerfile: worker.Dockerfile
---
image: e2e
dockerfile: e2e.Dockerfile
final: false
dependencies: [{image: worker}]
`

type taskName struct {
	Image, Platform string
}

func names(p *pipeline.Plan) [][]taskName {
	var out [][]taskName
	for _, set := range p.Sets {
		var s []taskName
		for _, t := range set {
			s = append(s, taskName{t.Image.LogName(), t.Platform})
		}
		out = append(out, s)
	}
	return out
}

func TestNewPlanSetsAndPlatforms(t *testing.T) {
	cfg := loadConfig(t, example)
	plan, err := pipeline.NewPlan(cfg, pipeline.WithDefaultPlatform("linux/amd64"))
	require.NoError(t, err)
	assert.Equal(t, [][]taskName{
		{{"base", "linux/amd64"}, {"base", "linux/arm64"}, {"builder", "linux/amd64"}, {"builder", "linux/arm64"}, {"worker", "linux/amd64"}},
		{{"app", "linux/amd64"}, {"app", "linux/arm64"}, {"e2e", "linux/amd64"}},
	}, names(plan))
	for i, task := range plan.Tasks() {
		assert.Equal(t, i+1, task.Index)
	}
}

// A mismatch werf's config check does not see, as it ignores build.platform:
// app is built for build.platform's two platforms, base for its own one (the
// host's, which that check takes for a document without platform).
func TestNewPlanErrorsOnMissingDependencyPlatform(t *testing.T) {
	host, other := runtime.GOOS+"/"+runtime.GOARCH, "linux/arm64"
	if host == other {
		other = "linux/amd64"
	}
	cfg := loadConfig(t, `configVersion: 1
project: p
build:
  platform: [`+host+", "+other+`]
---
image: base
dockerfile: D
platform: [`+host+`]
---
image: app
dockerfile: D
dependencies: [{image: base}]
`)
	_, err := pipeline.NewPlan(cfg, pipeline.WithDefaultPlatform("linux/amd64"))
	assert.EqualError(t, err, `image "app" targets `+other+`, but image "base" it depends on is built for `+host+` only: add `+other+` to the platforms of "base"`)

	// --platform makes every image agree.
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/arm64"))
	require.NoError(t, err)
	assert.Equal(t, [][]taskName{{{"base", "linux/arm64"}}, {{"app", "linux/arm64"}}}, names(plan))
}

func TestNewPlanPlatformPrecedence(t *testing.T) {
	cfg := loadConfig(t, `configVersion: 1
project: p
build:
  platform: [linux/arm64]
---
image: own
dockerfile: Dockerfile
platform: [linux/s390x, x86_64]
---
image: common
dockerfile: Dockerfile
`)
	plan, err := pipeline.NewPlan(cfg)
	require.NoError(t, err)
	assert.Equal(t, [][]taskName{{{"own", "linux/s390x"}, {"own", "linux/amd64"}, {"common", "linux/arm64"}}}, names(plan), "image platform, then build.platform; x86_64 normalized")

	plan, err = pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/arm/v7,linux/amd64", "linux/amd64"))
	require.NoError(t, err)
	assert.Equal(t, [][]taskName{{{"own", "linux/arm/v7"}, {"own", "linux/amd64"}, {"common", "linux/arm/v7"}, {"common", "linux/amd64"}}}, names(plan), "--platform wins, comma lists split, repeats dropped")

	_, err = pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/bogus-arch/x/y"))
	assert.ErrorContains(t, err, `--platform: invalid platform "linux/bogus-arch/x/y"`)

	bad := loadConfig(t, "configVersion: 1\nproject: p\n---\nimage: a\ndockerfile: D\nplatform: [\"linux/amd64/v1/x\"]\n")
	_, err = pipeline.NewPlan(bad)
	assert.ErrorContains(t, err, `werf.yaml: image "a": platform: invalid platform "linux/amd64/v1/x"`)
}

func TestSelection(t *testing.T) {
	cfg := loadConfig(t, example)
	tests := []struct {
		name      string
		patterns  []string
		finalOnly bool
		want      [][]taskName
		err       string
	}{
		{name: "all", patterns: nil, want: [][]taskName{{{"base", "p"}, {"builder", "p"}, {"worker", "p"}}, {{"app", "p"}, {"e2e", "p"}}}},
		{name: "one with its dependencies", patterns: []string{"e2e"}, want: [][]taskName{{{"worker", "p"}}, {{"e2e", "p"}}}},
		{name: "glob", patterns: []string{"w*"}, want: [][]taskName{{{"worker", "p"}}}},
		{name: "exclude", patterns: []string{"!e2e", "!app"}, want: [][]taskName{{{"base", "p"}, {"builder", "p"}, {"worker", "p"}}}},
		{name: "exclude by glob keeps exact includes", patterns: []string{"worker", "base", "!*"}, want: [][]taskName{{{"base", "p"}, {"worker", "p"}}}},
		{name: "an excluded dependency is still built", patterns: []string{"app", "!b*"}, want: [][]taskName{{{"base", "p"}, {"builder", "p"}}, {{"app", "p"}}}},
		{name: "final only", finalOnly: true, want: [][]taskName{{{"base", "p"}, {"builder", "p"}, {"worker", "p"}}, {{"app", "p"}}}},
		{name: "unknown name", patterns: []string{"api"}, err: `no image matches "api" (images: base, builder, app, worker, e2e)`},
		{name: "recursive glob", patterns: []string{"**"}, err: `image pattern "**": ** is not supported (image names have no directories)`},
		{name: "bad glob", patterns: []string{"[a"}, err: `image pattern "[a": syntax error in pattern`},
		{name: "special characters", patterns: []string{"a|b"}, err: `image pattern "a|b": the characters & | $ are not allowed`},
		{name: "long pattern", patterns: []string{strings.Repeat("a", 101)}, err: `image pattern "` + strings.Repeat("a", 101) + `": longer than 100 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []pipeline.PlanOption{pipeline.WithImages(tt.patterns...), pipeline.WithPlatforms("p/p")}
			if tt.finalOnly {
				opts = append(opts, pipeline.WithFinalImagesOnly())
			}
			plan, err := pipeline.NewPlan(cfg, opts...)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			got := names(plan)
			for _, set := range got {
				for i := range set {
					set[i].Platform = "p"
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSelectNamelessImage(t *testing.T) {
	cfg := loadConfig(t, "configVersion: 1\nproject: p\n---\nimage: ~\ndockerfile: D\n")
	plan, err := pipeline.NewPlan(cfg, pipeline.WithImages("~"))
	require.NoError(t, err)
	assert.Len(t, plan.Tasks(), 1)
}

func TestPrint(t *testing.T) {
	cfg := loadConfig(t, example)
	tests := []struct {
		name     string
		opts     []pipeline.PlanOption
		pretty   bool
		expected string
	}{
		{
			name:   "werf's concurrent plan",
			pretty: true,
			expected: `┌ Concurrent build plan (no more than 5 images at the same time)
│ Set #0:
│ - 🛳️  (1/8) image base [linux/amd64]
│ - 🛳️  (2/8) image base [linux/arm64]
│ - 🏗️️  (3/8) image builder [linux/amd64]
│ - 🏗️️  (4/8) image builder [linux/arm64]
│ - 🛳️  (5/8) image worker
│ 
│ Set #1:
│ - 🛳️  (6/8) image app [linux/amd64]
│ - 🛳️  (7/8) image app [linux/arm64]
│ - 🏗️️  (8/8) image e2e
└ Concurrent build plan (no more than 5 images at the same time)

`,
		},
		{
			name: "unlimited, not pretty, foreign default platform",
			opts: []pipeline.PlanOption{pipeline.WithImages("e2e"), pipeline.WithParallelism(true, 0), pipeline.WithPlatforms("linux/arm64")},
			expected: `┌ Concurrent build plan
│ Set #0:
│ - (1/2) image worker [linux/arm64]
│ 
│ Set #1:
│ - (2/2) image e2e [linux/arm64]
└ Concurrent build plan

`,
		},
		{
			name: "--parallel=false",
			opts: []pipeline.PlanOption{pipeline.WithImages("e2e"), pipeline.WithParallelism(false, 5)},
			expected: `┌ Sequential build plan
│ - (1/2) image worker
│ - (2/2) image e2e
└ Sequential build plan

`,
		},
		{
			name: "a single image is built alone",
			opts: []pipeline.PlanOption{pipeline.WithImages("worker"), pipeline.WithParallelism(true, 3)},
			expected: `┌ Sequential build plan
│ - (1/1) image worker
└ Sequential build plan

`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := pipeline.NewPlan(cfg, append([]pipeline.PlanOption{pipeline.WithDefaultPlatform("linux/amd64")}, tt.opts...)...)
			require.NoError(t, err)
			var b strings.Builder
			require.NoError(t, plan.Print(&b, tt.pretty))
			assert.Equal(t, tt.expected, b.String())
		})
	}
}

func TestNormalizePlatforms(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		err  string
	}{
		{in: []string{"linux/amd64"}, want: []string{"linux/amd64"}},
		{in: []string{"x86_64"}, want: []string{"linux/amd64"}},
		{in: []string{"linux/aarch64"}, want: []string{"linux/arm64"}},
		{in: []string{"linux/arm64/v8"}, want: []string{"linux/arm64"}},
		{in: []string{"linux/arm"}, want: []string{"linux/arm/v7"}},
		{in: []string{"Linux/AMD64"}, want: []string{"linux/amd64"}},
		{in: []string{"linux/amd64, linux/arm64", "linux/amd64"}, want: []string{"linux/amd64", "linux/arm64"}},
		{in: []string{"", " "}, want: nil},
		{in: []string{"linux/amd64/v2/extra"}, err: `invalid platform "linux/amd64/v2/extra"`},
	}
	for _, tt := range tests {
		got, err := pipeline.NormalizePlatforms(tt.in)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, "%v", tt.in)
			continue
		}
		require.NoError(t, err, "%v", tt.in)
		assert.Equal(t, tt.want, got, "%v", tt.in)
	}
}
