package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry/localstore"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

var buildProject = map[string]string{
	"werf.yaml": `configVersion: 1
project: shop
---
image: base
dockerfile: Dockerfile
context: base
---
image: app
dockerfile: Dockerfile
context: app
dependencies:
- image: base
  imports: [{type: ImageName, targetBuildArg: BASE_IMAGE}]
`,
	"base/Dockerfile": "FROM busybox\n",
	"app/Dockerfile":  "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY . /app\n",
	"app/main.sh":     "echo app\n",
}

// A build whose stages all exist never starts an engine (this test has none) and
// writes the report.
func TestBuildCommandWithEverythingInTheRegistry(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(buildProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	want := enginetest.Prefill(t, r.Dir, repo)

	reportPath := filepath.Join(t.TempDir(), "report.json")
	stdout, stderr, code := dagwerf(t, nil, "build", "--dir", r.Dir, "--repo", repo, "--save-build-report", "--build-report-path", reportPath)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "image app: "+want.Images["app"].DockerImageName+" (up to date)\n")
	assert.Contains(t, stderr, "Warning: no --synchronization: stage locks are :local")
	data, err := os.ReadFile(reportPath)
	require.NoError(t, err)
	var got pipeline.Report
	require.NoError(t, json.Unmarshal(data, &got))
	assert.Equal(t, want.Images["app"].DockerImageDigest, got.Images["app"].DockerImageDigest)
	assert.False(t, got.Images["app"].Rebuilt)
	assert.True(t, strings.HasPrefix(string(data), "{\n\t\"Runtime\": {"), "tab-indented, as werf writes it")

	envPath := filepath.Join(t.TempDir(), "images.env")
	_, stderr, code = dagwerf(t, map[string]string{"WERF_REPO": repo, "WERF_SAVE_BUILD_REPORT": "1", "WERF_BUILD_REPORT_PATH": envPath, "WERF_SYNCHRONIZATION": ":local"}, "build", "--dir", r.Dir)
	require.Equal(t, 0, code, stderr)
	env, err := os.ReadFile(envPath)
	require.NoError(t, err)
	assert.Contains(t, string(env), "WERF_APP_DOCKER_IMAGE_NAME="+want.Images["app"].DockerImageName+"\n")
	assert.NotContains(t, stderr, "Warning: no --synchronization")

	// digest --repo finds the import values there, so every digest is known.
	stdout, stderr, code = dagwerf(t, nil, "digest", "--dir", r.Dir, "--repo", repo, "--json")
	require.Equal(t, 0, code, stderr)
	var lines []runner.DigestLine
	require.NoError(t, json.Unmarshal([]byte(stdout), &lines))
	require.Len(t, lines, 2)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(want.Images[l.Image].DockerTag, l.Digest+"-"), l.Image)
	}
}

// Without --repo, stages go to the local store under $DAGWERF_HOME, which keeps
// them between runs.
func TestBuildCommandLocalStore(t *testing.T) {
	home := t.TempDir()
	r := gittest.New(t)
	r.CommitFiles(buildProject)
	store, err := localstore.Open(filepath.Join(home, "stages", "shop"))
	require.NoError(t, err)
	want := enginetest.Prefill(t, r.Dir, store.Repo("shop"))
	require.NoError(t, store.Close())

	stdout, stderr, code := dagwerf(t, map[string]string{"DAGWERF_HOME": home}, "build", "--dir", r.Dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "image app: "+want.Images["app"].DockerImageName+" (up to date)")
	assert.NotContains(t, stderr, "Warning")
}

func TestBuildCommandErrors(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(buildProject)
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"--add-custom-tag", "latest"}, "Error: --add-custom-tag needs --repo\n"},
		{[]string{"--final-repo", "registry.example.com/release"}, "Error: --final-repo, --meta-repo, --cache-repo and --secondary-repo need --repo\n"},
		{[]string{"--save-build-report", "--build-report-path", "report.yaml"}, "Error: --build-report-path \"report.yaml\": the extension must be .json or .env (or none, for .json)\n"},
		{[]string{"--repo", "127.0.0.1:1/shop", "--synchronization", "etcd://x"}, "Error: --synchronization \"etcd://x\": expected :local"},
		{[]string{"--repo", "Bad Repo"}, "Error: --repo \"Bad Repo\": "},
		{[]string{"nope"}, "Error: no image matches \"nope\" (images: base, app)\n"},
	}
	for _, tt := range tests {
		_, stderr, code := dagwerf(t, nil, append([]string{"build", "--dir", r.Dir}, tt.args...)...)
		assert.Equal(t, 1, code, tt.args)
		assert.True(t, strings.HasPrefix(stderr, tt.err), "%v: %s", tt.args, stderr)
	}
}

// The manifest list of a multi-platform image whose stages runners built one
// platform each is written by the run that finds them all: that run says so; a
// later one says up to date.
func TestBuildCommandSaysWhenItWritesAManifestList(t *testing.T) {
	r := gittest.New(t)
	project := maps.Clone(buildProject)
	project["werf.yaml"] = strings.Replace(project["werf.yaml"], "context: base\n", "context: base\nplatform: [linux/amd64, linux/arm64]\n", 1)
	r.CommitFiles(project)
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	enginetest.Prefill(t, r.Dir, repo, pipeline.WithPlatforms("linux/amd64"))
	enginetest.Prefill(t, r.Dir, repo, pipeline.WithPlatforms("linux/arm64"))

	stdout, stderr, code := dagwerf(t, nil, "build", "--dir", r.Dir, "--repo", repo, "--synchronization", ":local")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^image base: \S+ \(manifest list published\)$`, stdout)
	assert.Regexp(t, `(?m)^image app: \S+ \(up to date\)$`, stdout, "one platform: no list")

	stdout, stderr, code = dagwerf(t, nil, "build", "--dir", r.Dir, "--repo", repo, "--synchronization", ":local")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^image base: \S+ \(up to date\)$`, stdout)
}
