package e2e

import (
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// A Stapel image whose shell stages run on the engine, over a from stage,
// dependencies' environment, a docker section and the module template's
// build.imageSpec made registry-side; a second build makes nothing.
func TestStapelImageOnTheEngine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"werf.yaml": `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: stapel
build:
  imageSpec:
    author: "Module Team <team@example.com>"
    clearHistory: true
    config:
      removeLabels: [/.*/]
---
image: base
from: {{ $registry }}/busybox:1.36
final: false
shell:
  install:
  - mkdir -p /srv
  - echo "base at $WERF_COMMIT_HASH" > /srv/base.txt
---
image: app
fromImage: base
dependencies:
- image: base
  before: setup
  imports: [{type: ImageDigest, targetEnv: BASE_DIGEST}]
mount:
- from: tmp_dir
  to: /scratch
shell:
  beforeInstall: [echo scratch > /scratch/x]
  setup:
  - test ! -e /scratch/x
  - echo "$BASE_DIGEST" > /srv/base-digest.txt
  - cat /srv/base.txt > /srv/from-base.txt
imageSpec:
  config:
    workingDir: /srv
    cmd: [cat, /srv/from-base.txt]
`,
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n",
	})
	w := newWorld(t, dir)
	w.platforms = w.platforms[:1]
	repo := w.reg.Host + "/stapel"
	build := func() (*pipeline.Report, int64) {
		t.Helper()
		report, eng, err := w.run(repo, os.Stderr, nil, registry.WithWarnings(func(string) {}))
		require.NoError(t, err)
		builds, _ := eng.Calls()
		return report, builds
	}

	first, _ := build()
	app := first.Images["app"]
	var names []string
	for _, s := range app.Stages {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"from", "beforeInstall", "dependenciesBeforeSetup", "setup", "imageSpec"}, names)
	ref := repo + ":" + app.DockerTag
	baseRef := repo + ":" + first.Images["base"].DockerTag
	assert.Equal(t, digestOf(t, baseRef)+"\n", fileIn(t, ref, "srv/base-digest.txt"))
	assert.Contains(t, fileIn(t, ref, "srv/from-base.txt"), "base at ")
	assert.NotContains(t, filesystem(t, ref), "scratch/x", "a tmp_dir mount is in no layer")
	cfg := configOf(t, ref)
	assert.Equal(t, "/srv", cfg.WorkingDir)
	assert.Equal(t, []string{"cat", "/srv/from-base.txt"}, cfg.Cmd)

	second, builds := build()
	assert.Zero(t, builds, "nothing to build")
	assert.Equal(t, app.DockerTag, second.Images["app"].DockerTag)
}

func digestOf(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r)
	require.NoError(t, err)
	return d.Digest.String()
}
