package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// dagwerf runs one command line in-process with the given environment.
func dagwerf(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return dagwerfIn(t, env, "", args...)
}

// dagwerfIn runs one command line in-process with the given environment and
// stdin. Unless env says otherwise, dagwerf's home (locks, the local store,
// remembered hosts) is a directory of the test's own.
func dagwerfIn(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	environ := []string{"DAGWERF_HOME=" + t.TempDir()}
	for k, v := range env {
		environ = append(environ, k+"="+v) // later entries win
	}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, environ)
	return out.String(), errOut.String(), code
}

// example is the example project of the repository, read from its HEAD commit.
var example = filepath.Join("..", "..", "test", "example")

func TestPlanOfTheExample(t *testing.T) {
	stdout, stderr, code := dagwerf(t, nil, "plan", "--dir", example)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, `┌ Concurrent build plan (no more than 5 images at the same time)
│ Set #0:
│ - 🛳️  (1/8) image base [linux/amd64]
│ - 🛳️  (2/8) image base [linux/arm64]
│ - 🏗️️  (3/8) image tools [linux/amd64]
│ - 🏗️️  (4/8) image tools [linux/arm64]
│ 
│ Set #1:
│ - 🛳️  (5/8) image api [linux/amd64]
│ - 🛳️  (6/8) image api [linux/arm64]
│ - 🛳️  (7/8) image worker [linux/amd64]
│ - 🛳️  (8/8) image worker [linux/arm64]
└ Concurrent build plan (no more than 5 images at the same time)

`, stdout)
}

func TestPlanFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{
			name: "selection, platform and limit from flags",
			args: []string{"plan", "--dir", example, "--platform", "linux/arm64", "--parallel-tasks-limit", "2", "--log-pretty=false", "worker"},
			want: "┌ Concurrent build plan (no more than 2 images at the same time)\n│ Set #0:\n│ - (1/3) image base [linux/arm64]\n│ - (2/3) image tools [linux/arm64]\n│ \n│ Set #1:\n│ - (3/3) image worker [linux/arm64]\n└ Concurrent build plan (no more than 2 images at the same time)\n\n",
		},
		{
			name: "the same from WERF_* variables",
			env:  map[string]string{"WERF_DIR": example, "WERF_PLATFORM": "linux/arm64", "WERF_PARALLEL_TASKS_LIMIT": "2", "WERF_LOG_PRETTY": "false"},
			args: []string{"plan", "worker"},
			want: "┌ Concurrent build plan (no more than 2 images at the same time)\n│ Set #0:\n│ - (1/3) image base [linux/arm64]\n│ - (2/3) image tools [linux/arm64]\n│ \n│ Set #1:\n│ - (3/3) image worker [linux/arm64]\n└ Concurrent build plan (no more than 2 images at the same time)\n\n",
		},
		{
			name: "flags beat variables; DOCKER_DEFAULT_PLATFORM is the last resort",
			env:  map[string]string{"WERF_PARALLEL": "true", "DOCKER_DEFAULT_PLATFORM": "linux/arm64"},
			args: []string{"plan", "--dir", example, "--parallel=false", "--log-pretty=false", "base"},
			want: "┌ Sequential build plan\n│ - (1/1) image base [linux/arm64]\n└ Sequential build plan\n\n",
		},
		{
			name: "unlimited",
			args: []string{"plan", "--dir", example, "--platform", "linux/amd64,linux/arm64", "--parallel-tasks-limit", "0", "--log-pretty=false", "base"},
			want: "┌ Concurrent build plan\n│ Set #0:\n│ - (1/2) image base [linux/amd64]\n│ - (2/2) image base [linux/arm64]\n└ Concurrent build plan\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := dagwerf(t, tt.env, tt.args...)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tt.want, stdout)
		})
	}
}

// Stapel images are listed and rendered like Dockerfile images.
func TestConfigCommandsOnStapel(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"Dockerfile": "FROM alpine\n", "werf.yaml": `configVersion: 1
project: demo
---
image: builder/alpine
from: alpine:3.20
final: false
---
image: app
dockerfile: Dockerfile
---
artifact: assets
fromImage: builder/alpine
---
image: [api, worker]
fromImage: builder/alpine
import: [{artifact: assets, add: /dist, after: install}]
`})
	stdout, stderr, code := dagwerf(t, nil, "config", "list", "--dir", r.Dir)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "builder/alpine\napp\nassets\napi\nworker\n", stdout)

	stdout, _, code = dagwerf(t, nil, "config", "list", "--dir", r.Dir, "--final-images-only")
	require.Equal(t, 0, code)
	assert.Equal(t, "app\napi\nworker\n", stdout)

	stdout, stderr, code = dagwerf(t, nil, "config", "render", "--dir", r.Dir, "builder/*", "worker")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "image: builder/alpine\nfrom: alpine:3.20\nfinal: false\n---\nimage: [api, worker]\nfromImage: builder/alpine\nimport: [{artifact: assets, add: /dist, after: install}]\n", stdout)
}

func TestConfigCommands(t *testing.T) {
	stdout, stderr, code := dagwerf(t, nil, "config", "list", "--dir", example)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "base\ntools\napi\nworker\n", stdout)

	stdout, _, code = dagwerf(t, nil, "config", "list", "--dir", example, "--final-images-only")
	require.Equal(t, 0, code)
	assert.Equal(t, "base\napi\nworker\n", stdout)

	stdout, _, code = dagwerf(t, map[string]string{"BASE_REGISTRY": "registry.local:5000"}, "config", "render", "--dir", example)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "  BUSYBOX: registry.local:5000/busybox:1.36\n", "env is allowed by the example's werf-giterminism.yaml")
	assert.True(t, strings.HasPrefix(stdout, "configVersion: 1\nproject: dagwerf-example\n"), stdout)

	stdout, _, code = dagwerf(t, nil, "config", "render", "--dir", example, "base", "tools")
	require.Equal(t, 0, code)
	assert.Equal(t, "image: base\ndockerfile: Dockerfile\ncontext: base\nplatform: [\"linux/amd64\",\"linux/arm64\"]\nargs:\n  BUSYBOX: docker.io/library/busybox:1.36\n---\nimage: tools\ndockerfile: Dockerfile\ncontext: tools\nfinal: false\nplatform: [\"linux/amd64\",\"linux/arm64\"]\n", stdout)
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		err  string
	}{
		{name: "bad boolean variable", env: map[string]string{"WERF_PARALLEL": "maybe"}, args: []string{"plan", "--dir", example}, err: "Error: invalid environment: WERF_PARALLEL=\"maybe\": expected true or false\n"},
		{name: "bad integer variable", env: map[string]string{"WERF_PARALLEL_TASKS_LIMIT": "five"}, args: []string{"plan", "--dir", example}, err: "Error: invalid environment: WERF_PARALLEL_TASKS_LIMIT=\"five\": expected an integer\n"},
		{name: "unknown image", args: []string{"plan", "--dir", example, "web"}, err: "Error: no image matches \"web\" (images: base, tools, api, worker)\n"},
		{name: "bad platform", args: []string{"plan", "--dir", example, "--platform", "linux/amd64/v2/x"}, err: "Error: --platform: invalid platform \"linux/amd64/v2/x\""},
		{name: "not a repository", args: []string{"plan", "--dir", "/"}, err: "Error: project directory / is not inside a git repository"},
		{name: "unknown flag", args: []string{"plan", "--paralel"}, err: "Error: unknown flag: --paralel\n"},
		{name: "--config outside the project", args: []string{"plan", "--dir", example, "--config", "/etc/werf.yaml"}, err: "Error: --config /etc/werf.yaml: must be inside the project directory"},
		{name: "config list takes no images", args: []string{"config", "list", "--dir", example, "api"}, err: "Error: unknown command \"api\" for \"dagwerf config list\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := dagwerf(t, tt.env, tt.args...)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(stderr, tt.err), stderr)
			assert.NotContains(t, stderr, "goroutine", "no Go stack for the user")
		})
	}
}

// A bad variable troubles only the commands that read it.
func TestBadVariableOnlyWhereRead(t *testing.T) {
	_, stderr, code := dagwerf(t, map[string]string{"WERF_PARALLEL": "maybe"}, "config", "list", "--dir", example)
	assert.Equal(t, 0, code, stderr)
}

func TestConfigErrorNamesFileAndLine(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: a\ndockerfile: D\nfinal: perhaps\n"})
	_, stderr, code := dagwerf(t, nil, "plan", "--dir", r.Dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: werf.yaml:6 (document 2): image \"a\": final: expected true or false, got \"perhaps\"\n  6 | final: perhaps\n", stderr)
}

func TestHelpOnEveryCommand(t *testing.T) {
	eachCommand(newRootCommand(nil), func(_ *cobra.Command, path []string) {
		args := append(slices.Clone(path), "--help")
		stdout, stderr, code := dagwerf(t, nil, args...)
		assert.Equal(t, 0, code, "%v: %s", args, stderr)
		assert.Contains(t, stdout, "Usage:", "%v", args)
	})
}

func TestDigestCommand(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml": `configVersion: 1
project: p
---
image: ~
dockerfile: Dockerfile
platform: [linux/amd64, linux/arm64]
`,
		"Dockerfile": "FROM alpine:latest\nRUN echo hello\n",
	})
	stdout, stderr, code := dagwerf(t, nil, "digest", "--dir", r.Dir)
	require.Equal(t, 0, code, stderr)
	// werf-facts.md's golden digests for FROM alpine:latest / RUN echo hello.
	assert.Equal(t, "~ linux/amd64 0883bdbcff5e101c016d27f63b08bc4bddcc655837e06f4b801c942f\n~ linux/arm64 3d982379919ca2abbe5b9d97c772f3f918fb231de0ff74a8fd40f81a\n", stdout)

	stdout, _, code = dagwerf(t, nil, "digest", "--dir", r.Dir, "--json", "--platform", "linux/arm64")
	require.Equal(t, 0, code)
	assert.JSONEq(t, `[{"image": "~", "platform": "linux/arm64", "digest": "3d982379919ca2abbe5b9d97c772f3f918fb231de0ff74a8fd40f81a"}]`, stdout)
}

func TestDigestOfTheExample(t *testing.T) {
	stdout, stderr, code := dagwerf(t, nil, "digest", "--dir", example, "--json")
	assert.Equal(t, 1, code, "api and worker import base's name: their digests need base's stage, not built yet")
	var lines []runner.DigestLine
	require.NoError(t, json.Unmarshal([]byte(stdout), &lines))
	require.Len(t, lines, 8)
	for _, l := range lines {
		switch l.Image {
		case "base", "tools":
			assert.Len(t, l.Digest, 56, l.Image)
		default:
			assert.Empty(t, l.Digest)
			assert.Regexp(t, `ARG BASE_IMAGE takes the ImageName of image "base": its stage [0-9a-f]{56} is not in 127\.0\.0\.1:\d+/dagwerf-example yet: build it first`, l.Error)
		}
	}
	assert.True(t, strings.HasPrefix(stderr, "Error: 4 of 8 digests could not be computed:\n  image \"api\" (linux/amd64): app/Dockerfile:1: ARG BASE_IMAGE"), stderr)

	stdout, _, code = dagwerf(t, nil, "digest", "--dir", example, "tools")
	assert.Equal(t, 0, code)
	assert.Regexp(t, `^tools linux/amd64 [0-9a-f]{56}\ntools linux/arm64 [0-9a-f]{56}\n$`, stdout, "only the selected images are printed")
}
