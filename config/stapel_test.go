package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// allowAll is a werf-giterminism.yaml that allows every Stapel exception.
const allowAll = `giterminismConfigVersion: 1
config:
  secrets: {allowEnvVariables: [NPM_TOKEN]}
  stapel:
    allowFromLatest: true
    git: {allowBranch: true}
    mount: {allowBuildDir: true, allowFromPaths: [~/.cache/go, /var/cache/apt, /var/cache/apt/**]}
`

func TestLoadStapelEveryKey(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf-giterminism.yaml": allowAll, "werf.yaml": `configVersion: 1
project: demo
build:
  cacheVersion: global-v1
  imageSpec:
    author: Team <team@example.com>
    config: {labels: {org: example}}
---
image: base
from: alpine:3.20
fromLatest: true
fromCacheVersion: from-v1
final: false
platform: [linux/amd64, linux/arm64]
---
artifact: assets
from: node:20
git:
- to: /src
shell:
  install: npm ci
---
image: [app, worker]
fromImage: base
cacheVersion: app-v2
disableGitAfterPatch: true
network: host
git:
- add: /src/
  to: /app/
  owner: app
  group: 1000
  includePaths: [cmd/, "./internal"]
  excludePaths: "**/*_test.go"
  stageDependencies:
    install: [go.mod, go.sum]
    beforeSetup: "*.yaml"
    setup: ["**/*.go"]
- url: git@github.com:company/lib.git
  branch: main
  add: /pkg
  to: /vendor/lib
  basicAuth:
    username: ci
    password: {env: LIB_TOKEN}
- url: https://github.com/company/tools.git
  tag: v1.2.0
  to: /tools
- url: https://github.com/company/other
  commit: 0123456789abcdef0123456789abcdef01234567
  to: /other
shell:
  beforeInstall: apk add --no-cache git
  install: [go mod download]
  beforeSetup: []
  setup:
  - go build ./...
  - "echo 'done: yes'"
  cacheVersion: shell-v1
  beforeInstallCacheVersion: bi-v1
  installCacheVersion: i-v1
  beforeSetupCacheVersion: bs-v1
  setupCacheVersion: s-v1
mount:
- {from: tmp_dir, to: /var/lib/apt/lists}
- {from: build_dir, to: /var/cache/apk}
- {fromPath: ~/.cache/go, to: /root/.cache/go-build}
import:
- artifact: assets
  add: /src/dist
  to: /app/public
  after: install
- image: base
  add: /etc
  includePaths: [ssl/certs]
  excludePaths: [ssl/certs/old]
  owner: root
  group: root
  before: setup
  stage: install
- from: golang:1.22
  add: /usr/local/go
  to: /usr/local/go
  after: setup
dependencies:
- image: base
  before: install
  imports:
  - {type: ImageName, targetEnv: BASE_NAME}
  - {type: ImageDigest, targetEnv: BASE_DIGEST}
- image: legacy
  after: setup
secrets:
- env: NPM_TOKEN
imageSpec:
  config:
    labels: {team: a}
---
image: legacy
from: ubuntu:22.04
docker:
  VOLUME: /data
  EXPOSE: ["80/tcp", "443"]
  ENV: {LANG: C.UTF-8, DEBUG: 1}
  LABEL: {maintainer: team}
  ENTRYPOINT: ["/bin/app", "--flag"]
  WORKDIR: /srv
  USER: app
  HEALTHCHECK: CMD curl -f http://localhost/
  exactValues: true
---
image: runner
from: legacy
ansible:
  install:
  - name: pkgs
    apt: {name: curl}
  - block:
    - shell: echo a
    rescue:
    - debug: {msg: failed}
  cacheVersion: ans-v1
`}, config.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"base", "assets", "app", "worker", "legacy", "runner"}, cfg.ImageNames())

	base := cfg.Image("base")
	require.True(t, base.IsStapel())
	assert.False(t, base.Final)
	assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, base.Platform)
	assert.Equal(t, "global-v1", base.CacheVersion, "build.cacheVersion when the image has none")
	assert.Nil(t, base.ImageSpec, "build.imageSpec applies to final images only")
	assert.Equal(t, &config.Stapel{From: "alpine:3.20", FromLatest: true, FromCacheVersion: "from-v1"}, base.Stapel)

	assets := cfg.Image("assets")
	assert.False(t, assets.Final, "an artifact is never final")
	assert.Equal(t, &config.Stapel{
		Artifact:             true,
		DisableGitAfterPatch: true,
		From:                 "node:20",
		Git:                  []config.GitMapping{{Add: "/", To: "/src", Name: "own"}},
		Shell:                &config.Shell{Install: []string{"npm ci"}},
	}, assets.Stapel)

	app := cfg.Image("app")
	assert.True(t, app.Final)
	assert.Equal(t, "app-v2", app.CacheVersion)
	assert.Equal(t, []config.Secret{{ID: "NPM_TOKEN", Env: "NPM_TOKEN"}}, app.Secrets)
	assert.Equal(t, &config.ImageSpec{Author: "Team <team@example.com>", Config: config.ImageSpecConfig{Labels: map[string]string{"team": "a", "org": "example"}}}, app.ImageSpec)
	assert.Equal(t, []config.Dependency{
		{Image: "base", Before: "install", Imports: []config.Import{{Type: config.ImageName, TargetEnv: "BASE_NAME"}, {Type: config.ImageDigest, TargetEnv: "BASE_DIGEST"}}},
		{Image: "legacy", After: "setup"},
	}, app.Dependencies)
	s := app.Stapel
	assert.Equal(t, "base", s.FromImage)
	assert.Empty(t, s.From)
	assert.True(t, s.DisableGitAfterPatch)
	assert.Equal(t, "host", s.Network)
	assert.Equal(t, []config.GitMapping{
		{
			Add: "/src", To: "/app", Owner: "app", Group: "1000",
			IncludePaths: []string{"cmd", "internal"},
			ExcludePaths: []string{"**/*_test.go", "public"}, // the import of assets lands in /app/public
			StageDependencies: config.StageDependencies{
				Install:     []string{"go.mod", "go.sum"},
				BeforeSetup: []string{"*.yaml"},
				Setup:       []string{"**/*.go"},
			},
			Name: "own",
		},
		{
			Add: "/pkg", To: "/vendor/lib", URL: "git@github.com:company/lib.git", Branch: "main", Name: "company/lib",
			BasicAuth: &config.GitBasicAuth{Username: "ci", PasswordEnv: "LIB_TOKEN"},
		},
		{Add: "/", To: "/tools", URL: "https://github.com/company/tools.git", Tag: "v1.2.0", Name: "company/tools"},
		{Add: "/", To: "/other", URL: "https://github.com/company/other", Commit: "0123456789abcdef0123456789abcdef01234567", Name: "company/other"},
	}, s.Git)
	assert.Equal(t, &config.Shell{
		BeforeInstall:             []string{"apk add --no-cache git"},
		Install:                   []string{"go mod download"},
		BeforeSetup:               []string{},
		Setup:                     []string{"go build ./...", "echo 'done: yes'"},
		CacheVersion:              "shell-v1",
		BeforeInstallCacheVersion: "bi-v1",
		InstallCacheVersion:       "i-v1",
		BeforeSetupCacheVersion:   "bs-v1",
		SetupCacheVersion:         "s-v1",
	}, s.Shell)
	assert.Equal(t, []config.Mount{
		{From: "tmp_dir", To: "/var/lib/apt/lists"},
		{From: "build_dir", To: "/var/cache/apk"},
		{FromPath: "~/.cache/go", To: "/root/.cache/go-build"},
	}, s.Mounts)
	assert.Equal(t, []string{"tmp_dir", "build_dir", "custom_dir"}, []string{s.Mounts[0].Type(), s.Mounts[1].Type(), s.Mounts[2].Type()})
	assert.Equal(t, []config.FileImport{
		{Image: "assets", Artifact: true, Add: "/src/dist", To: "/app/public", After: "install"},
		{Image: "base", Add: "/etc", To: "/etc", IncludePaths: []string{"ssl/certs"}, ExcludePaths: []string{"ssl/certs/old"}, Owner: "root", Group: "root", Before: "setup", Stage: "install"},
		{Image: "golang:1.22", External: true, Add: "/usr/local/go", To: "/usr/local/go", After: "setup"},
	}, s.Imports)
	assert.Nil(t, s.Docker)
	assert.Nil(t, s.Ansible)
	assert.Equal(t, []string{"base", "assets", "legacy"}, app.DependsOn())

	worker := cfg.Image("worker")
	assert.Equal(t, app.Stapel, worker.Stapel, "every name of a document gets the same Stapel config")
	assert.NotSame(t, app.Stapel, worker.Stapel)

	legacy := cfg.Image("legacy")
	assert.Equal(t, &config.Docker{
		Volume:      []string{"/data"},
		Expose:      []string{"80/tcp", "443"},
		Env:         map[string]string{"LANG": "C.UTF-8", "DEBUG": "1"},
		Label:       map[string]string{"maintainer": "team"},
		Cmd:         "[]",
		Entrypoint:  `["/bin/app", "--flag"]`,
		Workdir:     "/srv",
		User:        "app",
		HealthCheck: "CMD curl -f http://localhost/",
		ExactValues: true,
	}, legacy.Stapel.Docker)
	assert.Equal(t, &config.ImageSpec{Author: "Team <team@example.com>", Config: config.ImageSpecConfig{Labels: map[string]string{"org": "example"}}}, legacy.ImageSpec,
		"a final Stapel image gets build.imageSpec as a Dockerfile image does")

	runner := cfg.Image("runner")
	assert.Equal(t, "legacy", runner.Stapel.FromImage, "from naming an image of werf.yaml is that image")
	assert.Empty(t, runner.Stapel.From)
	assert.Equal(t, []string{"legacy"}, runner.DependsOn())
	assert.Equal(t, &config.Ansible{
		Install: []map[string]any{
			{"name": "pkgs", "apt": map[string]any{"name": "curl"}},
			{"block": []any{map[string]any{"shell": "echo a"}}, "rescue": []any{map[string]any{"debug": map[string]any{"msg": "failed"}}}},
		},
		CacheVersion: "ans-v1",
	}, runner.Stapel.Ansible)
}

// Values werf's own tests use (pkg/config/raw_stapel_image_test.go).
func TestLoadStapelWerfTestValues(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta + `image: image1
from: alpine:latest
cacheVersion: docker-cache-version
---
image: image2
from: alpine
---
image: image3
from: alpine
---
image: image4
from: alpine
---
image: complex
from: alpine
dependencies:
- image: image2
  before: install
- image: image3
  after: install
  imports:
  - {type: ImageTag, targetEnv: IMAGE_TAG_1}
  - {type: ImageName, targetEnv: IMAGE_NAME_1}
- image: image4
  after: setup
  imports:
  - {type: ImageTag, targetEnv: IMAGE_TAG_2}
  - {type: ImageName, targetEnv: IMAGE_NAME_2}
  - {type: ImageID, targetEnv: IMAGE_ID_2}
  - {type: ImageDigest, targetEnv: IMAGE_DIGEST_2}
  - {type: ImageRepo, targetEnv: IMAGE_REPO_2}
`}, config.Options{})
	require.NoError(t, err)
	img := cfg.Image("image1")
	assert.Equal(t, &config.Stapel{From: "alpine:latest"}, img.Stapel)
	assert.Equal(t, "docker-cache-version", img.CacheVersion)
	assert.True(t, img.Final)
	assert.Equal(t, []config.Dependency{
		{Image: "image2", Before: "install"},
		{Image: "image3", After: "install", Imports: []config.Import{{Type: config.ImageTag, TargetEnv: "IMAGE_TAG_1"}, {Type: config.ImageName, TargetEnv: "IMAGE_NAME_1"}}},
		{Image: "image4", After: "setup", Imports: []config.Import{
			{Type: config.ImageTag, TargetEnv: "IMAGE_TAG_2"}, {Type: config.ImageName, TargetEnv: "IMAGE_NAME_2"},
			{Type: config.ImageID, TargetEnv: "IMAGE_ID_2"}, {Type: config.ImageDigest, TargetEnv: "IMAGE_DIGEST_2"},
			{Type: config.ImageRepo, TargetEnv: "IMAGE_REPO_2"},
		}},
	}, cfg.Image("complex").Dependencies)
}

// The rules on a document's names and base that depend on the name.
func TestLoadStapelNamesAndBase(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		image     string
		from      string
		fromImage string
		artifact  bool
		final     bool
	}{
		{name: "nameless", doc: "image: ~\nfrom: alpine\n", image: "", from: "alpine", final: true},
		{name: "empty name is nameless", doc: "image: \"\"\nfrom: alpine\n", image: "", from: "alpine", final: true},
		{name: "a name with a slash", doc: "image: builder/alpine\nfrom: alpine:3.20\n", image: "builder/alpine", from: "alpine:3.20", final: true},
		{name: "named like its base gets :latest", doc: "image: alpine\nfrom: alpine\n", image: "alpine", from: "alpine:latest", final: true},
		{name: "scratch", doc: "image: a\nfrom: scratch\n", image: "a", from: "scratch", final: true},
		{name: "final false", doc: "image: a\nfrom: alpine\nfinal: no\n", image: "a", from: "alpine"},
		{name: "final null is the default", doc: "image: a\nfrom: alpine\nfinal: ~\n", image: "a", from: "alpine", final: true},
		{name: "artifact", doc: "artifact: a\nfrom: alpine\n", image: "a", from: "alpine", artifact: true},
		{name: "artifact with a null image", doc: "artifact: a\nimage: []\nfrom: alpine\n", image: "a", from: "alpine", artifact: true},
		{name: "artifact named like its base", doc: "artifact: alpine\nfrom: alpine\n", image: "alpine", from: "alpine:latest", artifact: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, map[string]string{"werf.yaml": meta + tt.doc}, config.Options{})
			require.NoError(t, err)
			require.Len(t, cfg.Images, 1)
			img := cfg.Images[0]
			assert.Equal(t, tt.image, img.Name)
			assert.Equal(t, tt.final, img.Final)
			assert.Equal(t, tt.artifact, img.Stapel.Artifact)
			assert.Equal(t, tt.from, img.Stapel.From)
			assert.Equal(t, tt.fromImage, img.Stapel.FromImage)
		})
	}
}

func TestLoadStapelFromArtifact(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta + "artifact: build\nfrom: golang\n---\nimage: app\nfromArtifact: build\n"}, config.Options{})
	require.NoError(t, err)
	s := cfg.Image("app").Stapel
	assert.Equal(t, "build", s.FromImage)
	assert.True(t, s.FromArtifact)
	assert.Equal(t, []string{"build"}, cfg.Image("app").DependsOn())
}

// Imports: which sources are registry images is werf's rule on the name.
func TestLoadStapelImportSources(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta + `image: builder/alpine
from: alpine
---
image: app
from: alpine
import:
- {image: builder/alpine, add: /a, after: install}
- {from: builder/alpine, add: /b, after: install}
- {image: "alpine:3.20", add: /c, after: install}
- {from: "registry.example.com:5000/tools@sha256:0123456789012345678901234567890123456789012345678901234567890123", add: /d, after: setup}
`}, config.Options{})
	require.NoError(t, err)
	var got []string
	for _, imp := range cfg.Image("app").Stapel.Imports {
		got = append(got, imp.Image)
		assert.Equal(t, imp.Image != "builder/alpine", imp.External, imp.Image)
	}
	assert.Equal(t, []string{"builder/alpine", "builder/alpine", "alpine:3.20", "registry.example.com:5000/tools@sha256:0123456789012345678901234567890123456789012345678901234567890123"}, got)
	assert.Equal(t, []string{"builder/alpine"}, cfg.Image("app").DependsOn())
}

// werf's exportsAutoExcluding: an export inside another's `to` is excluded from
// it (pkg/config/stapel_image_base.go; cases from export_base_test.go).
func TestLoadStapelAutoExcluding(t *testing.T) {
	tests := []struct {
		name     string
		exports  string
		excludes [][]string // per git mapping, then per import
		err      string
	}{
		{
			name:     "apart",
			exports:  "git:\n- {add: /, to: /a}\n- {add: /, to: /b}\n",
			excludes: [][]string{nil, nil},
		},
		{
			name:     "one inside the other is excluded from it",
			exports:  "git:\n- {add: /, to: /a}\n- {add: /, to: /}\n",
			excludes: [][]string{nil, {"a"}},
		},
		{
			name:     "already excluded",
			exports:  "git:\n- {add: /, to: /a}\n- {add: /, to: /, excludePaths: [a]}\n",
			excludes: [][]string{nil, {"a"}},
		},
		{
			name:     "included elsewhere, excluded all the same",
			exports:  "git:\n- {add: /, to: /a}\n- {add: /, to: /, includePaths: [b]}\n",
			excludes: [][]string{nil, {"a"}},
		},
		{
			name:     "includes of the inner one",
			exports:  "git:\n- {add: /src, to: /app}\n- {add: /, to: /app/vendor, includePaths: [x, y/z]}\n",
			excludes: [][]string{{"vendor/x", "vendor/y/z"}, nil},
		},
		{
			name:     "same to, told apart by includes",
			exports:  "git:\n- {add: /a, to: /app, includePaths: [x]}\n- {add: /b, to: /app, includePaths: [z]}\n",
			excludes: [][]string{{"z"}, {"x"}},
		},
		{
			name:     "a local mapping and an import",
			exports:  "git:\n- {add: /, to: /}\nimport:\n- {image: base, add: /bin/tool, to: /usr/bin/tool, after: install}\n",
			excludes: [][]string{{"usr/bin/tool"}, nil},
		},
		{
			name:     "remote mappings come after local ones",
			exports:  "git:\n- {url: https://example.com/a/b.git, tag: v1, add: /, to: /r}\n- {add: /, to: /l}\n- {add: /, to: /}\n",
			excludes: [][]string{nil, nil, {"l", "r"}},
		},
		{
			name:    "same to without includes",
			exports: "git:\n- {add: /a, to: /app}\n- {add: /b, to: /app}\n",
			err:     "werf.yaml:11 (document 3): image \"app\": git[1]: its files collide with those of git[0] at \"/app\": give them includePaths that tell them apart, or different to\n  11 | - {add: /b, to: /app}",
		},
		{
			name:    "both at / without includes",
			exports: "git:\n- {add: /a, to: /}\n- {add: /b, to: /}\n",
			err:     "image \"app\": git[1]: its files collide with those of git[0] at \"/\"",
		},
		{
			name:    "the same include",
			exports: "git:\n- {add: /, to: /, includePaths: [app]}\nimport:\n- {image: base, add: /app, after: install}\n",
			err:     "image \"app\": import[0]: its files collide with those of git[0] at \"/app\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, map[string]string{"werf.yaml": meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\n" + tt.exports}, config.Options{})
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			s := cfg.Image("app").Stapel
			var got [][]string
			for _, g := range s.Git {
				got = append(got, g.ExcludePaths)
			}
			for _, imp := range s.Imports {
				got = append(got, imp.ExcludePaths)
			}
			assert.Equal(t, tt.excludes, got)
		})
	}
}

// A Deckhouse module's werf.yaml, in the shape Deckhouse modules use: base
// images aliased under builder/, images built from them, a bundle importing
// from the others, and the images-digests image.
func TestLoadStapelDeckhouseModule(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": `configVersion: 1
project: demo-module
---
image: builder/alpine
from: registry.deckhouse.io/base_images/alpine:3.20@sha256:0123456789012345678901234567890123456789012345678901234567890123
final: false
---
image: builder/golang-alpine
from: registry.deckhouse.io/base_images/golang:1.23-alpine
final: false
---
artifact: controller-artifact
fromImage: builder/golang-alpine
git:
- add: /images/controller/src
  to: /src
  stageDependencies:
    install: ["go.mod", "go.sum"]
    setup: ["**/*.go"]
shell:
  install:
  - cd /src && go mod download
  setup:
  - cd /src && CGO_ENABLED=0 go build -o /controller ./cmd
---
image: controller
fromImage: builder/alpine
git:
- add: /images/controller/config
  to: /etc/controller
  includePaths: ["*.yaml"]
  stageDependencies:
    install: ["*.yaml"]
import:
- artifact: controller-artifact
  add: /controller
  to: /usr/local/bin/controller
  before: setup
imageSpec:
  config:
    entrypoint: ["/usr/local/bin/controller"]
---
image: images-digests
fromImage: builder/alpine
final: false
dependencies:
- image: controller
  before: setup
  imports:
  - type: ImageDigest
    targetEnv: CONTROLLER_DIGEST
shell:
  setup:
  - echo "controller ${CONTROLLER_DIGEST}" > /images_digests.json
---
image: bundle
from: registry.deckhouse.io/base_images/scratch@sha256:0123456789012345678901234567890123456789012345678901234567890123
import:
- image: images-digests
  add: /images_digests.json
  to: /images_digests.json
  after: setup
- image: controller
  add: /etc/controller
  to: /openapi
  includePaths: ["*.yaml"]
  excludePaths: ["secret.yaml"]
  after: setup
git:
- add: /
  to: /
  includePaths: [templates, charts, crds, Chart.yaml, module.yaml, openapi]
  excludePaths: [openapi/internal]
`}, config.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"builder/alpine", "builder/golang-alpine", "controller-artifact", "controller", "images-digests", "bundle"}, cfg.ImageNames())
	assert.Equal(t, "builder/alpine", cfg.Image("controller").Stapel.FromImage)
	assert.Equal(t, []string{"builder/alpine", "controller-artifact"}, cfg.Image("controller").DependsOn())
	assert.Equal(t, []string{"builder/alpine", "controller"}, cfg.Image("images-digests").DependsOn())
	assert.Equal(t, []config.Import{{Type: config.ImageDigest, TargetEnv: "CONTROLLER_DIGEST"}}, cfg.Image("images-digests").Dependencies[0].Imports)
	bundle := cfg.Image("bundle")
	assert.Equal(t, []string{"images-digests", "controller"}, bundle.DependsOn())
	assert.Equal(t, []string{"openapi/internal", "images_digests.json", "openapi/*.yaml"}, bundle.Stapel.Git[0].ExcludePaths,
		"the git mapping at / leaves the imported files to the imports")
	assert.True(t, cfg.Image("controller-artifact").Stapel.Artifact)
	assert.False(t, cfg.Image("controller-artifact").Final)
}
