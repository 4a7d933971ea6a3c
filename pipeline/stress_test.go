package pipeline_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
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
