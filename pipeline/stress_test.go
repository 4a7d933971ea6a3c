package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// TestManyImagesAtOnce builds a 40-image project from a packed repository with
// no limit on parallel images: every image task reads the one shared snapshot
// (git trees, pack index, blobs) at the same time. Run under -race it is the
// check that the snapshot and what the tasks share are safe for concurrent use;
// `.ci/run` repeats it.
func TestManyImagesAtOnce(t *testing.T) {
	const images = 40
	files := map[string]string{}
	var werf strings.Builder
	werf.WriteString("configVersion: 1\nproject: stress\n")
	for i := range images {
		fmt.Fprintf(&werf, "---\nimage: img%02d\ndockerfile: Dockerfile\ncontext: ctx%02d\n", i, i)
		files[fmt.Sprintf("ctx%02d/Dockerfile", i)] = "FROM scratch\nCOPY sub /x\n"
		files[fmt.Sprintf("ctx%02d/sub/a/file.txt", i)] = fmt.Sprintf("file of image %d\n", i)
		files[fmt.Sprintf("ctx%02d/sub/b/c/deeper.txt", i)] = fmt.Sprintf("deeper file of image %d\n", i)
	}
	files["werf.yaml"] = werf.String()
	r := gittest.New(t)
	r.CommitFiles(files)
	r.Git("gc", "--quiet") // objects come from a pack and its index, not loose files

	reg := registrytest.New(t)
	repo := reg.Host + "/stress"
	// As the command line builds into a --repo: records written, rebuilds explained.
	build := func(t *testing.T, engine *enginetest.Fake) *pipeline.Report {
		explainer := &pipeline.Explainer{LoadAt: loaderAt(r.Dir)}
		return buildProject(t, r.Dir, "stress", repo, &pipeline.Build{Builder: engine, Records: true, Explainer: explainer}, pipeline.WithParallelism(true, 0))
	}

	cold := &enginetest.Fake{}
	report := build(t, cold)
	assert.Equal(t, images, cold.Builds())
	assert.Len(t, report.Images, images)

	// Every stage exists now: the tasks only address and look up, all at once.
	for range 3 {
		warm := &enginetest.Fake{}
		again := build(t, warm)
		require.Equal(t, 0, warm.Builds())
		for name, img := range report.Images {
			assert.Equal(t, img.DockerTag, again.Images[name].DockerTag, name)
		}
	}

	// Every image changed: all are rebuilt at once, each explained against the
	// one earlier commit, loaded once for them all.
	changed := map[string]string{}
	for i := range images {
		changed[fmt.Sprintf("ctx%02d/sub/a/file.txt", i)] = fmt.Sprintf("file of image %d, changed\n", i)
	}
	r.CommitFiles(changed)
	rebuilt := &enginetest.Fake{}
	again := build(t, rebuilt)
	assert.Equal(t, images, rebuilt.Builds())
	for name, img := range again.Images {
		assert.Contains(t, img.Reason, "a/file.txt changed (COPY sub /x at ", name)
	}
}

// TestManyStapelImagesAtOnce is TestManyImagesAtOnce for Stapel images: 30
// images built at once with no parallel limit, each from one shared Stapel
// base (fromImage), with a git mapping of its own, an import from one shared
// source image and a dependency on it — so the images' chains, the git
// mappings' repository, the shared images' addressing (once for all), the
// import checksums and their records are all reached from many tasks at once.
// Under -race it is the check that the Stapel walk is safe for concurrent use;
// `.ci/run` repeats it.
func TestManyStapelImagesAtOnce(t *testing.T) {
	const images = 30
	reg := registrytest.New(t)
	baseimage.PushFiles(t, reg.Host+"/library/busybox:1", map[string]string{"bin/busybox": "busybox\n"})
	files := map[string]string{}
	var werf strings.Builder
	fmt.Fprintf(&werf, `configVersion: 1
project: stress
---
image: base
from: %s/library/busybox:1
final: false
---
image: src
fromImage: base
final: false
shell:
  install: [make /out]
`, reg.Host)
	for i := range images {
		fmt.Fprintf(&werf, `---
image: svc%02d
fromImage: base
git:
- add: /svc%02d
  to: /app
  stageDependencies:
    setup: ['*.conf']
import:
- image: src
  add: /out
  to: /opt/out
  before: setup
dependencies:
- image: src
  after: setup
  imports: [{type: ImageDigest, targetEnv: SRC_DIGEST}]
shell:
  setup: [cat /app/app.conf]
`, i, i)
		files[fmt.Sprintf("svc%02d/app.conf", i)] = fmt.Sprintf("service %d\n", i)
		files[fmt.Sprintf("svc%02d/data/readme", i)] = fmt.Sprintf("data of %d\n", i)
	}
	files["werf.yaml"] = werf.String()
	r := gittest.New(t)
	r.CommitFiles(files)
	r.Git("gc", "--quiet")
	repo := reg.Host + "/stress"
	build := func(t *testing.T) (*pipeline.Report, *enginetest.Fake) {
		engine := &enginetest.Fake{ShellWrites: map[string]map[string]string{"src/install": {"out": "built\n"}}}
		explainer := &pipeline.Explainer{LoadAt: loaderAt(r.Dir)}
		report := buildProject(t, r.Dir, "stress", repo, &pipeline.Build{Builder: engine, Records: true, Explainer: explainer},
			pipeline.WithParallelism(true, 0), pipeline.WithPlatforms("linux/amd64"))
		return report, engine
	}

	report, cold := build(t)
	assert.Equal(t, 1+images, cold.Shells(), "src's install and every service's setup")
	assert.Len(t, report.Images, images+2)
	assert.Equal(t, 1, reg.Count("PUT", "/manifests/import-metadata-"), "one checksum of src's /out, worked out and recorded once for all 30 images")

	for range 2 {
		again, warm := build(t)
		require.Zero(t, warm.Shells())
		for name, img := range report.Images {
			assert.Equal(t, img.DockerTag, again.Images[name].DockerTag, name)
		}
	}

	changed := map[string]string{}
	for i := range images {
		changed[fmt.Sprintf("svc%02d/app.conf", i)] = fmt.Sprintf("service %d, changed\n", i)
	}
	r.CommitFiles(changed)
	again, rebuilt := build(t)
	assert.Equal(t, images, rebuilt.Shells(), "every service's setup, nothing of src")
	for i := range images {
		name := fmt.Sprintf("svc%02d", i)
		assert.Contains(t, again.Images[name].Reason, "stage setup: StageDependencies: git own /svc", name)
	}
}
