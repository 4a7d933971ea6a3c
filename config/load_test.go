package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

const meta = "configVersion: 1\nproject: demo\n---\n"

// load commits files into a new repository and loads its configuration.
func load(t *testing.T, files map[string]string, opts config.Options) (*config.Config, error) {
	t.Helper()
	r := gittest.New(t)
	r.CommitFiles(files)
	return loadRepo(t, r, opts)
}

func loadRepo(t *testing.T, r *gittest.Repo, opts config.Options, sourceOpts ...source.Option) (*config.Config, error) {
	t.Helper()
	s, err := source.Open(r.Dir, sourceOpts...)
	require.NoError(t, err)
	if opts.LookupEnv == nil {
		opts.LookupEnv = func(string) (string, bool) { return "", false }
	}
	return config.Load(s, opts)
}

func TestLoadFindsConfig(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		opts  config.Options
		want  string // the file that was read
		err   string
	}{
		{name: "werf.yaml", files: map[string]string{"werf.yaml": meta, "werf.yml": "broken: ["}, want: "werf.yaml"},
		{name: "werf.yml", files: map[string]string{"werf.yml": meta}, want: "werf.yml"},
		{name: "--config", files: map[string]string{"werf.yaml": "x", "ci/werf.yaml": meta}, opts: config.Options{ConfigPath: "ci/werf.yaml"}, want: "ci/werf.yaml"},
		{name: "missing", files: map[string]string{"README": ""}, err: "no werf.yaml or werf.yml in the HEAD commit of"},
		{name: "missing --config", files: map[string]string{"werf.yaml": meta}, opts: config.Options{ConfigPath: "other.yaml"}, err: "no other.yaml in the HEAD commit"},
		{name: "--config outside", files: map[string]string{"werf.yaml": meta}, opts: config.Options{ConfigPath: "../werf.yaml"}, err: `--config: path "../werf.yaml" leaves the project directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, tt.files, tt.opts)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.File)
			assert.Equal(t, "demo", cfg.Meta.Project)
		})
	}
}

func TestLoadParsesEveryDirective(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": `configVersion: 1
project: demo
build:
  platform: [linux/amd64, linux/arm64]
  cacheVersion: global-v1
  staged: true
  imageSpec:
    author: Team <team@example.com>
    clearHistory: true
    config:
      keepEssentialWerfLabels: true
      labels: {org: example}
      removeLabels: [old]
deploy:
  helmRelease: demo
  namespaceSlug: true
cleanup:
  keepPolicies:
  - references: {branch: /.*/, limit: {last: 10, in: 168h, operator: And}}
    imagesPerReference: {last: 2}
gitWorktree:
  forceShallowClone: true
---
image: base
dockerfile: base.Dockerfile
context: images/base
final: false
staged: false
cacheVersion: base-v2
---
image: [app, worker]
dockerfile: Dockerfile
context: .
contextAddFiles: [generated/config.json]
target: production
args:
  QUOTED: "yes"
  BOOL: yes
  FLOAT: 1.10
  INT: 42
addHost: [db:10.0.0.1, cache:10.0.0.2]
network: host
ssh: default
platform: [linux/amd64]
secrets:
- env: NPM_TOKEN
- src: ~/.aws/credentials
- id: inline
  value: s3cr3t
dependencies:
- image: base
  imports:
  - type: ImageName
    targetBuildArg: BASE_IMAGE
  - {type: ImageDigest, targetBuildArg: BASE_DIGEST}
imageSpec:
  author: App <app@example.com>
  config:
    labels: {org: app, tier: web}
    removeLabels: [debug]
    env: {MODE: prod}
    expose: ["8080/tcp"]
    healthcheck: {test: [CMD, true], interval: 30, startperiod: 5}
---
image: legacy
dockerfile: legacy.Dockerfile
contextAddFile: extra.txt
final: false
`, "werf-giterminism.yaml": `giterminismConfigVersion: 1
config:
  dockerfile: {allowContextAddFiles: ["*"]}
  secrets: {allowEnvVariables: [NPM_TOKEN], allowFiles: ["~/.aws/*"], allowValueIds: [inline]}
`}, config.Options{})
	require.NoError(t, err)

	assert.Equal(t, config.Build{
		Platform: []string{"linux/amd64", "linux/arm64"}, CacheVersion: "global-v1", Staged: true,
		ImageSpec: &config.ImageSpec{Author: "Team <team@example.com>", ClearHistory: true, Config: config.ImageSpecConfig{
			KeepEssentialWerfLabels: true, Labels: map[string]string{"org": "example"}, RemoveLabels: []string{"old"},
		}},
	}, cfg.Meta.Build)
	require.Equal(t, []string{"base", "app", "worker", "legacy"}, cfg.ImageNames())

	base := cfg.Image("base")
	assert.False(t, base.Final)
	assert.False(t, base.Staged, "the image's staged beats build.staged")
	assert.Equal(t, "base-v2", base.CacheVersion)
	assert.Equal(t, "images/base", base.Context)
	assert.Nil(t, base.ImageSpec, "build.imageSpec applies to final images only")

	app := cfg.Image("app")
	assert.True(t, app.Final)
	assert.True(t, app.Staged, "build.staged is the default")
	assert.Equal(t, "global-v1", app.CacheVersion, "build.cacheVersion is the default")
	assert.Equal(t, map[string]string{"QUOTED": "yes", "BOOL": "true", "FLOAT": "1.1", "INT": "42"}, app.Args, "args are YAML 1.1 values printed with %v, as werf does")
	assert.Equal(t, []string{"db:10.0.0.1", "cache:10.0.0.2"}, app.AddHost)
	assert.Equal(t, []string{"generated/config.json"}, app.ContextAddFiles)
	assert.Equal(t, "production", app.Target)
	assert.Equal(t, "host", app.Network)
	assert.Equal(t, "default", app.SSH)
	assert.Equal(t, []string{"linux/amd64"}, app.Platform)
	assert.Equal(t, []config.Secret{
		{ID: "NPM_TOKEN", Env: "NPM_TOKEN"},
		{ID: "credentials", Src: "~/.aws/credentials"},
		{ID: "inline", Value: "s3cr3t"},
	}, app.Secrets)
	assert.Equal(t, []config.Dependency{{Image: "base", Imports: []config.Import{
		{Type: config.ImageName, TargetBuildArg: "BASE_IMAGE"},
		{Type: config.ImageDigest, TargetBuildArg: "BASE_DIGEST"},
	}}}, app.Dependencies)
	assert.Equal(t, &config.ImageSpec{
		Author: "Team <team@example.com>", ClearHistory: true,
		Config: config.ImageSpecConfig{
			KeepEssentialWerfLabels: true,
			Labels:                  map[string]string{"org": "example", "tier": "web"},
			RemoveLabels:            []string{"debug", "old"},
			Env:                     map[string]string{"MODE": "prod"},
			Expose:                  []string{"8080/tcp"},
			Healthcheck:             &config.Healthcheck{Test: []string{"CMD", "true"}, Interval: 30, StartPeriod: 5},
		},
	}, app.ImageSpec, "build.imageSpec merged into a final image")
	assert.Equal(t, app.Doc, cfg.Image("worker").Doc, "one document, two images")
	assert.Equal(t, 3, app.Doc.Index)

	legacy := cfg.Image("legacy")
	assert.Equal(t, []string{"extra.txt"}, legacy.ContextAddFiles, "legacy contextAddFile")
	assert.Equal(t, 4, legacy.Doc.Index)
	assert.Equal(t, 65, legacy.Doc.Line)
}

func TestLoadImageNameForms(t *testing.T) {
	tests := []struct {
		doc  string
		want []string
	}{
		{"image: app\ndockerfile: Dockerfile\n", []string{"app"}},
		{"image: [a, b]\ndockerfile: Dockerfile\n", []string{"a", "b"}},
		{"image: ~\ndockerfile: Dockerfile\n", []string{""}},
		{"image:\ndockerfile: Dockerfile\n", []string{""}},
		{"image: \"\"\ndockerfile: Dockerfile\n", []string{""}},
		{"image: []\ndockerfile: Dockerfile\n", []string{}},
		{"dockerfile: Dockerfile\n", []string{}},
	}
	for _, tt := range tests {
		cfg, err := load(t, map[string]string{"werf.yaml": meta + tt.doc}, config.Options{})
		require.NoError(t, err, tt.doc)
		assert.Equal(t, tt.want, cfg.ImageNames(), tt.doc)
	}
}

func TestLoadProjectNameOverride(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta}, config.Options{ProjectName: "other"})
	require.NoError(t, err)
	assert.Equal(t, "other", cfg.Meta.Project)

	_, err = load(t, map[string]string{"werf.yaml": meta}, config.Options{ProjectName: "Bad_Name"})
	assert.EqualError(t, err, `WERF_PROJECT_NAME: invalid project name "Bad_Name": use lower-case letters, digits and inner dashes, at most 50 characters`)
}

func TestLoadInSubdirectoryProject(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"services/api/werf.yaml": meta + "image: api\ndockerfile: Dockerfile\n", "werf.yaml": "not this one"})
	s, err := source.Open(r.Path("services/api"))
	require.NoError(t, err)
	cfg, err := config.Load(s, config.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"api"}, cfg.ImageNames())
}

func TestLoadNamelessImage(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta + "image: ~\ndockerfile: Dockerfile\n---\nimage: helper\ndockerfile: helper.Dockerfile\nfinal: false\n"}, config.Options{})
	require.NoError(t, err, "a nameless final image may sit beside non-final ones")
	assert.Equal(t, "~", cfg.Images[0].LogName())
}
