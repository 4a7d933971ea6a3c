package runner_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// project has an image that imports another's name, and a template variable.
var project = map[string]string{
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
args:
  GREETING: {{ env "GREETING" "hello" | quote }}
dependencies:
- image: base
  imports: [{type: ImageName, targetBuildArg: BASE_IMAGE}]
`,
	"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {goTemplateRendering: {allowEnvVariables: [GREETING]}}\n",
	"base/Dockerfile":       "FROM busybox\n",
	"app/Dockerfile":        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY . /app\n",
	"app/main.sh":           "echo app\n",
}

const user, password = "ci", "s3cret-registry-password"

func TestModuleBuildArguments(t *testing.T) {
	work := t.TempDir()
	m := runner.Module{
		Source: "/src", Env: "production", Images: []string{"app"}, Platforms: []string{"linux/arm64"},
		Variables: map[string]string{"GREETING": "hi"}, ParallelTasksLimit: 5,
		Repo: "registry.example.com/shop", FinalRepo: "registry.example.com/release",
		CacheRepos: []string{"cache.example.com/shop"}, SecondaryRepos: []string{"old.example.com/shop"},
		CustomTags: []string{"%image%-main"}, Synchronization: "http://sync.example.com", KeepGoing: true,
		Insecure: true, SkipTLSVerify: true,
		Credentials: []runner.Credential{{Registry: "registry.example.com", Username: user, Password: password}},
		Version:     "test",
	}
	b, err := m.Build(work)
	require.NoError(t, err)
	assert.Equal(t, "/src", b.Project.Dir)
	assert.Equal(t, "production", b.Project.Env)
	assert.Equal(t, []string{"app"}, b.Images)
	assert.Equal(t, runner.Plan{Platforms: []string{"linux/arm64"}, Parallel: true, Limit: 5}, b.Plan)
	assert.Equal(t, "registry.example.com/shop", b.Storage.Repo)
	assert.Equal(t, "registry.example.com/release", b.Storage.FinalRepo)
	assert.Equal(t, []string{"cache.example.com/shop"}, b.Storage.CacheRepos)
	assert.Equal(t, []string{"old.example.com/shop"}, b.Storage.SecondaryRepos)
	assert.Equal(t, "http://sync.example.com", b.Storage.Synchronization)
	assert.True(t, b.Storage.Insecure)
	assert.True(t, b.Storage.SkipTLSVerify)
	assert.Equal(t, m.Credentials, b.Storage.Credentials)
	assert.Equal(t, []string{"%image%-main"}, b.CustomTags)
	assert.True(t, b.KeepGoing)
	assert.Equal(t, filepath.Join(work, "report.json"), b.ReportPath)
	assert.Equal(t, filepath.Join(work, "docker"), b.Storage.DockerConfig, "never the function container's ~/.docker")

	t.Setenv("FROM_THE_CONTAINER", "x")
	v, ok := b.Project.LookupEnv("GREETING")
	assert.True(t, ok)
	assert.Equal(t, "hi", v)
	_, ok = b.Project.LookupEnv("FROM_THE_CONTAINER")
	assert.False(t, ok, "werf.yaml sees only the variables given")

	m.ParallelTasksLimit = 2
	b, err = m.Build(work)
	require.NoError(t, err)
	assert.Equal(t, 2, b.Plan.Limit)

	m.Dir = "services/app"
	b, err = m.Build(work)
	require.NoError(t, err)
	assert.Equal(t, "/src/services/app", b.Project.Dir)
}

func TestModuleBuildRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    runner.Module
		err  string
	}{
		{"no repo", runner.Module{Source: "/src"}, "repo is required in the Dagger module"},
		{"no source", runner.Module{Repo: "r.example.com/x"}, "no source directory"},
		{"a dir outside the source", runner.Module{Source: "/src", Repo: "r.example.com/x", Dir: "../elsewhere"}, "dir ../elsewhere: must be a directory inside the source"},
		{"a Docker config that is not JSON", runner.Module{Source: "/src", Repo: "r.example.com/x", DockerConfigJSON: "auths: {}"}, "dockerConfig: not a Docker config.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Build(t.TempDir())
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// The module's build reads a registry with the credentials it was given, or with
// the Docker config it was given, and with nothing else.
func TestModuleBuildCredentials(t *testing.T) {
	t.Setenv("DAGWERF_HOME", t.TempDir())
	r := gittest.New(t)
	r.CommitFiles(project)
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	want := enginetest.Prefill(t, r.Dir, repo)
	reg.Inject(registrytest.RequireBasicAuth(user, password))

	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	for _, tc := range []struct {
		name string
		edit func(*runner.Module)
		err  string
	}{
		{"credentials for the registry", func(m *runner.Module) {
			m.Credentials = []runner.Credential{{Registry: reg.Host, Username: user, Password: password}}
		}, ""},
		{"a Docker config", func(m *runner.Module) {
			m.DockerConfigJSON = `{"auths": {"` + reg.Host + `": {"auth": "` + auth + `"}}}`
		}, ""},
		{"nothing", func(*runner.Module) {}, "401 Unauthorized anonymously"},
		{"credentials for another registry", func(m *runner.Module) {
			m.Credentials = []runner.Credential{{Registry: "other.example.com", Username: user, Password: password}}
		}, "401 Unauthorized anonymously"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := runner.Module{Source: r.Dir, Repo: repo, Variables: map[string]string{}, Version: "test"}
			tc.edit(&m)
			work := t.TempDir()
			b, err := m.Build(work)
			require.NoError(t, err)
			report, err := b.Run(context.Background())
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				assert.NotContains(t, err.Error(), password)
				return
			}
			require.NoError(t, err, "every stage exists: no engine is needed")
			assert.Equal(t, want.Images["app"].DockerImageName, report.Images["app"].DockerImageName)
			assert.False(t, report.Images["app"].Rebuilt)
			data, err := os.ReadFile(filepath.Join(work, "report.json"))
			require.NoError(t, err)
			assert.Contains(t, string(data), want.Images["app"].DockerTag)
			assert.NotContains(t, string(data), password)
		})
	}
}

// Without a repo the module's digest addresses what needs no stored stage and
// says why the rest cannot be.
func TestModuleDigest(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(project)
	m := runner.Module{Source: r.Dir, Variables: map[string]string{}}
	d, err := m.Digest(t.TempDir())
	require.NoError(t, err)
	lines, err := d.Run(context.Background())
	require.ErrorContains(t, err, "1 of 2 digests could not be computed")
	require.Len(t, lines, 2)
	assert.Equal(t, "base", lines[0].Image)
	assert.Len(t, lines[0].Digest, 56)
	assert.Contains(t, lines[1].Error, `ARG BASE_IMAGE takes the ImageName of image "base", which exists only once that image's stage is stored in a registry`)
}

func TestModulePlanAndDigestText(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(project)
	m := runner.Module{Source: r.Dir, Images: []string{"base"}, Platforms: []string{"linux/amd64", "linux/arm64"}}
	plan, err := m.PlanText()
	require.NoError(t, err)
	assert.Contains(t, plan, "- (1/2) image base [linux/amd64]\n│ - (2/2) image base [linux/arm64]")
	assert.NotContains(t, plan, "🛳️", "undecorated")

	digests, err := m.DigestText(context.Background(), t.TempDir())
	require.NoError(t, err)
	assert.Regexp(t, `^base linux/amd64 [0-9a-f]{56}\nbase linux/arm64 [0-9a-f]{56}\n$`, digests)

	m.Images = []string{"nothing-like-it"}
	_, err = m.PlanText()
	assert.ErrorContains(t, err, "nothing-like-it")
}

// A cancelled run stops at the cancellation rather than reporting every image's
// digest as failed.
func TestDigestCancelled(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(project)
	m := runner.Module{Source: r.Dir, Variables: map[string]string{}, Platforms: []string{"linux/amd64", "linux/arm64"}}
	d, err := m.Digest(t.TempDir())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	lines, err := d.Run(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, err.Error(), "could not be computed")
	assert.Empty(t, lines)
}

// The module's cleanup reads origin's branches as the source has them, and
// without a kubeconfig given asks for --without-kube rather than reading the
// function container's.
func TestModuleCleanup(t *testing.T) {
	r := gittest.New(t)
	r.WithOrigin()
	r.CommitFiles(project)
	r.Git("push", "-q", "origin", "main")
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	enginetest.Prefill(t, r.Dir, repo)
	m := runner.Module{Source: r.Dir, Repo: repo, Insecure: true, Version: "test", ParallelTasksLimit: 4}

	_, err := runner.Module{Source: r.Dir}.Cleanup(t.TempDir(), runner.ModuleCleanup{})
	require.ErrorIs(t, err, runner.ErrCleanupNeedsRepo)

	c, err := m.Cleanup(t.TempDir(), runner.ModuleCleanup{})
	require.NoError(t, err)
	assert.True(t, c.NoFetch)
	assert.Equal(t, 4, c.Parallel)
	_, err = c.Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--without-kube")

	zero := 0
	kubeconfig := "apiVersion: v1\nkind: Config\ncontexts: [{name: prod, context: {cluster: prod}}]\nclusters: [{name: prod, cluster: {server: 'https://127.0.0.1:1'}}]\n"
	c, err = m.Cleanup(t.TempDir(), runner.ModuleCleanup{KubeConfig: kubeconfig, KubeContext: "prod", KeepHours: &zero, DryRun: true})
	require.NoError(t, err)
	data, err := os.ReadFile(c.Kube.ConfigPath)
	require.NoError(t, err)
	assert.Equal(t, kubeconfig, string(data))
	_, err = c.Run(context.Background())
	require.Error(t, err, "the cluster does not answer")
	assert.Contains(t, err.Error(), "Kubernetes context prod (all namespaces)")

	c, err = m.Cleanup(t.TempDir(), runner.ModuleCleanup{WithoutKube: true, KeepHours: &zero, DryRun: true})
	require.NoError(t, err)
	rep, err := c.Run(context.Background())
	require.NoError(t, err)
	assert.Len(t, rep.Deleted, 2, "base and app: no records, no time policy")
}
