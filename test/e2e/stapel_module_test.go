package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// moduleSecret is the value of the module variant's secret; the test spells
// it whole nowhere else, so finding it anywhere means it leaked.
var moduleSecret = "s3cret-" + "module-value"

// moduleWorld is test/module committed with a few changes of its own: two more
// files in the echo image's git mapping (under no stageDependencies), and a
// secret its setup stage reads. Built for one platform.
func moduleWorld(t testing.TB) *world {
	t.Helper()
	w := newWorld(t, filepath.Join("..", "module"))
	platform := "linux/" + runtime.GOARCH
	if !slices.Contains(w.platforms, platform) {
		platform = w.platforms[0]
	}
	w.platforms = []string{platform}
	w.env["MODULES_MODULE_TAG"] = "v1.2.3"
	w.env["MODULE_TOKEN"] = moduleSecret
	w.repo.Write("werf-giterminism.yaml", `giterminismConfigVersion: 1
config:
  goTemplateRendering:
    allowEnvVariables: [BASE_REGISTRY, MODULES_MODULE_TAG]
  secrets:
    allowEnvVariables: [MODULE_TOKEN]
`)
	data, err := os.ReadFile(w.repo.Path("images/echo/werf.inc.yaml"))
	require.NoError(t, err)
	inc := string(data)
	inc = strings.Replace(inc, "  setup:\n  - chmod +x /app/echo.sh\n",
		"  setup:\n  - chmod +x /app/echo.sh\n"+
			// The command spells the value in two pieces: only what reached
			// the stage is whole.
			"  - token=$(cat /run/secrets/token); test \"$token\" = \"s3cret-\"\"module-value\" && echo seen > /app/secret-seen\n", 1)
	require.Contains(t, inc, "secret-seen", "the echo image's setup changed")
	inc += "secrets:\n- id: token\n  env: MODULE_TOKEN\n"
	w.repo.Write("images/echo/werf.inc.yaml", inc)
	w.repo.Write("images/echo/src/notes.txt", "notes 1\n")
	w.repo.Write("images/echo/src/old.txt", "old\n")
	w.repo.Commit("module variant")
	return w
}

// stageStates lists each image's stages in order, a rebuilt one marked with
// a trailing "*".
func stageStates(r *pipeline.Report) map[string][]string {
	out := map[string][]string{}
	for img, rec := range r.Images {
		list := []string{}
		for _, s := range rec.Stages {
			n := s.Name
			if s.Rebuilt {
				n += "*"
			}
			list = append(list, n)
		}
		out[img] = list
	}
	return out
}

// rebuilt marks every stage of a list as rebuilt.
func rebuilt(stages ...string) []string {
	out := make([]string, len(stages))
	for i, s := range stages {
		out[i] = s + "*"
	}
	return out
}

// A Deckhouse-module-shaped project on the engine, commit after commit, as
// werf v2 would build it: every stage the first time; nothing the second; a
// change under no stageDependencies only in the gitLatestPatch stage and the
// stages after it (imageSpec), a deletion likewise, and the file is gone; a
// change under stageDependencies.setup from setup on, with the patch the
// setup stage applies before its commands (no gitLatestPatch after it); a
// change under stageDependencies.beforeSetup of an image another imports
// from, in the importer's import stage. Images that take the changed image's
// digest or files rebuild from the stage that takes it; one importing an
// unchanged file does not. The secret reaches the stage and nothing else:
// no blob or manifest written to the registry, no line of output, no report.
func TestDeckhouseModuleStapelChanges(t *testing.T) {
	w := moduleWorld(t)
	repo := w.reg.Host + "/modules/hello-module"
	var output bytes.Buffer
	build := func(what string) *pipeline.Report {
		t.Helper()
		report, _, err := w.run(repo, &output, nil, registry.WithWarnings(func(string) {}))
		require.NoError(t, err, what)
		return report
	}
	echoRef := func(r *pipeline.Report) string { return repo + ":" + r.Images["hello-module/echo"].DockerTag }
	unchanged := func(r *pipeline.Report, img string) []string {
		var out []string
		for _, s := range r.Images[img].Stages {
			out = append(out, s.Name)
		}
		return out
	}

	// 1. Cold: every stage built.
	first := build("first build")
	states := stageStates(first)
	builtAll := map[string][]string{
		"builder/scratch":            rebuilt("from"),
		"builder/alpine":             rebuilt("from"),
		"builder/golang-alpine":      rebuilt("from"),
		"tools/jq":                   rebuilt("from"),
		"hello-module/hello":         rebuilt("dockerfile", "imageSpec"),
		"hello-module/echo":          rebuilt("from", "beforeInstall", "gitArchive", "setup", "imageSpec"),
		"batch-hooks":                rebuilt("from", "gitArchive", "install", "beforeSetup"),
		"images-digests-and-version": rebuilt("from", "dependenciesBeforeInstall", "dependenciesBeforeSetup", "setup"),
		"bundle":                     rebuilt("from", "gitArchive", "dependenciesAfterSetup", "imageSpec"),
		"release-channel-version":    rebuilt("from", "gitArchive", "dependenciesAfterInstall", "imageSpec"),
	}
	// Images whose from stage is another's share it: built once, found by the
	// second image. Compare names only where the first build may have found a
	// stage another image built a moment before.
	for img, want := range builtAll {
		got := states[img]
		require.Len(t, got, len(want), img)
		for i := range want {
			assert.Equal(t, strings.TrimSuffix(want[i], "*"), strings.TrimSuffix(got[i], "*"), img)
		}
	}
	assert.Equal(t, "seen\n", fileIn(t, echoRef(first), "app/secret-seen"), "the setup stage read the secret")
	assert.Equal(t, "notes 1\n", fileIn(t, echoRef(first), "app/notes.txt"))

	// 2. Nothing changed: nothing is built or written.
	written := w.reg.Requests()
	w.reg.ResetRequests()
	report, eng, err := w.run(repo, &output, nil)
	require.NoError(t, err)
	builds, pushes := eng.Calls()
	assert.Zero(t, builds, "no engine build")
	assert.Zero(t, pushes, "no engine push")
	assert.Zero(t, w.reg.Count("PUT", ""), "no manifest or blob written")
	assert.Zero(t, w.reg.Count("POST", ""), "no upload started")
	for img, rec := range first.Images {
		assert.Equal(t, rec.DockerTag, report.Images[img].DockerTag, img)
		assert.False(t, report.Images[img].Rebuilt, img)
	}

	same := func(r *pipeline.Report, images ...string) {
		t.Helper()
		for _, img := range images {
			assert.Equal(t, unchanged(first, img), stageStates(r)[img], "%s: nothing rebuilt", img)
		}
	}

	// 3. A file under no stageDependencies: the echo image's gitLatestPatch
	// and imageSpec; images-digests takes the echo image's digest before
	// setup; the bundle imports images_digests.json, which changed; the
	// release image imports version.json, which did not.
	w.repo.Write("images/echo/src/notes.txt", "notes 2\n")
	w.repo.Commit("notes")
	second := build("a change under no stageDependencies")
	states = stageStates(second)
	assert.Equal(t, []string{"from", "beforeInstall", "gitArchive", "setup", "gitLatestPatch*", "imageSpec*"}, states["hello-module/echo"])
	assert.Equal(t, []string{"from", "dependenciesBeforeInstall", "dependenciesBeforeSetup*", "setup*"}, states["images-digests-and-version"])
	assert.Equal(t, []string{"from", "gitArchive", "dependenciesAfterSetup*", "imageSpec*"}, states["bundle"])
	same(second, "release-channel-version", "batch-hooks", "hello-module/hello", "builder/alpine", "builder/scratch", "builder/golang-alpine", "tools/jq")
	assert.Equal(t, "notes 2\n", fileIn(t, echoRef(second), "app/notes.txt"))
	assert.Equal(t, "old\n", fileIn(t, echoRef(second), "app/old.txt"))

	// 4. A deleted file: gone from the image, by a new gitLatestPatch.
	w.repo.Remove("images/echo/src/old.txt")
	w.repo.Commit("delete old.txt")
	third := build("a deletion")
	states = stageStates(third)
	assert.Equal(t, []string{"from", "beforeInstall", "gitArchive", "setup", "gitLatestPatch*", "imageSpec*"}, states["hello-module/echo"])
	assert.NotContains(t, filesystemFiles(t, echoRef(third)), "app/old.txt")
	assert.Equal(t, "notes 2\n", fileIn(t, echoRef(third), "app/notes.txt"))
	same(third, "release-channel-version", "batch-hooks")

	// 5. A file under stageDependencies.setup: setup and what follows it. The
	// setup stage brings the files up to HEAD before its commands (werf's
	// UserWithGitPatchStage), so there is no gitLatestPatch after it.
	w.repo.WriteMode("images/echo/src/echo.sh", "#!/bin/sh\necho \"$GREETING from the changed echo image\"\n", 0o755)
	w.repo.Commit("echo.sh")
	fourth := build("a change under stageDependencies.setup")
	states = stageStates(fourth)
	assert.Equal(t, []string{"from", "beforeInstall", "gitArchive", "setup*", "imageSpec*"}, states["hello-module/echo"])
	assert.Equal(t, []string{"from", "dependenciesBeforeInstall", "dependenciesBeforeSetup*", "setup*"}, states["images-digests-and-version"])
	assert.Equal(t, []string{"from", "gitArchive", "dependenciesAfterSetup*", "imageSpec*"}, states["bundle"])
	same(fourth, "release-channel-version", "batch-hooks", "hello-module/hello")
	files := filesystemFiles(t, echoRef(fourth))
	assert.Contains(t, files["app/echo.sh"], "from the changed echo image", "the setup stage ran over HEAD's files")
	assert.Equal(t, "notes 2\n", files["app/notes.txt"])
	assert.NotContains(t, files, "app/old.txt")
	assert.Equal(t, "seen\n", files["app/secret-seen"])

	// 6. A file the bundle imports changes (batch-hooks' beforeSetup makes it
	// from stageDependencies.beforeSetup files): batch-hooks from
	// beforeSetup, the bundle from its import stage.
	w.repo.Write("hooks/batch/main.go", "package main\n\nfunc main() { println(\"changed\") }\n")
	w.repo.Commit("hooks")
	fifth := build("a change of an imported file")
	states = stageStates(fifth)
	assert.Equal(t, []string{"from", "gitArchive", "install", "beforeSetup*"}, states["batch-hooks"])
	assert.Equal(t, []string{"from", "gitArchive", "dependenciesAfterSetup*", "imageSpec*"}, states["bundle"])
	same(fifth, "release-channel-version", "hello-module/hello")
	assert.Equal(t, unchanged(fourth, "hello-module/echo"), states["hello-module/echo"])
	assert.Equal(t, unchanged(fourth, "images-digests-and-version"), states["images-digests-and-version"])
	assert.Contains(t, fileIn(t, repo+":"+fifth.Images["bundle"].DockerTag, "hooks/batchhooks"), `println("changed")`)

	// The secret: in no blob or manifest the builds wrote, in no line of
	// output, in no report.
	for what, data := range registryWrites(t, w.reg.Host, append(written, w.reg.Requests()...)) {
		assert.False(t, bytes.Contains(data, []byte(moduleSecret)), "the secret is in %s", what)
	}
	assert.NotContains(t, output.String(), moduleSecret)
	for i, r := range []*pipeline.Report{first, second, third, fourth, fifth} {
		data, err := r.Marshal(".json")
		require.NoError(t, err)
		assert.NotContains(t, string(data), moduleSecret, fmt.Sprintf("report %d", i+1))
	}
}
