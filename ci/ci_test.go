package ci_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/ci"
)

func env(vars map[string]string) ci.Lookup {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want ci.System
		ok   bool
	}{
		{map[string]string{"GITHUB_ACTIONS": "true", "CI": "true"}, ci.GitHub, true},
		{map[string]string{"GITLAB_CI": "true", "CI": "true"}, ci.GitLab, true},
		{map[string]string{"CI": "true"}, ci.Generic, true},
		{map[string]string{"JENKINS_URL": "https://jenkins.example.com/"}, ci.Generic, true},
		{map[string]string{"BUILDKITE": "true"}, ci.Generic, true},
		{map[string]string{"CI": "false"}, "", false},
		{map[string]string{}, "", false},
	} {
		got, ok := ci.Detect(env(tc.vars))
		assert.Equal(t, tc.want, got, "%v", tc.vars)
		assert.Equal(t, tc.ok, ok, "%v", tc.vars)
	}
}

func TestParseSystem(t *testing.T) {
	s, err := ci.ParseSystem("auto", env(map[string]string{"GITLAB_CI": "true"}))
	require.NoError(t, err)
	assert.Equal(t, ci.GitLab, s)
	s, err = ci.ParseSystem("GitHub", env(nil))
	require.NoError(t, err)
	assert.Equal(t, ci.GitHub, s)
	_, err = ci.ParseSystem("auto", env(nil))
	assert.ErrorContains(t, err, "no CI detected")
	_, err = ci.ParseSystem("travis", env(nil))
	assert.ErrorContains(t, err, `CI system "travis"`)
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		system ci.System
		vars   map[string]string
		want   ci.Job
	}{
		{"github branch", ci.GitHub, map[string]string{
			"GITHUB_REPOSITORY": "Acme/Shop", "GITHUB_ACTOR": "octocat", "GITHUB_TOKEN": "ghs_token",
			"GITHUB_REF_TYPE": "branch", "GITHUB_REF_NAME": "main", "GITHUB_SHA": "abc",
		}, ci.Job{System: ci.GitHub, Repo: "ghcr.io/acme/shop", RepoNeedsProject: true,
			Registry: "ghcr.io", Username: "octocat", Token: "ghs_token", Branch: "main", Commit: "abc"}},
		{"github pull request", ci.GitHub, map[string]string{
			"GITHUB_REPOSITORY": "acme/shop", "GITHUB_REF_TYPE": "branch", "GITHUB_REF_NAME": "12/merge", "GITHUB_HEAD_REF": "feature/x",
		}, ci.Job{System: ci.GitHub, Repo: "ghcr.io/acme/shop", RepoNeedsProject: true, Branch: "feature/x"}},
		{"github tag", ci.GitHub, map[string]string{
			"GITHUB_REPOSITORY": "acme/shop", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.2.0",
		}, ci.Job{System: ci.GitHub, Repo: "ghcr.io/acme/shop", RepoNeedsProject: true, GitTag: "v1.2.0"}},
		{"gitlab", ci.GitLab, map[string]string{
			"CI_REGISTRY_IMAGE": "registry.gitlab.com/acme/shop", "CI_REGISTRY": "registry.gitlab.com",
			"CI_REGISTRY_USER": "gitlab-ci-token", "CI_JOB_TOKEN": "glcbt-token", "CI_COMMIT_BRANCH": "main",
			"CI_ENVIRONMENT_SLUG": "production", "CI_COMMIT_SHA": "abc",
		}, ci.Job{System: ci.GitLab, Repo: "registry.gitlab.com/acme/shop", Registry: "registry.gitlab.com",
			Username: "gitlab-ci-token", Token: "glcbt-token", Branch: "main", Environment: "production", Commit: "abc"}},
		{"gitlab merge request without a registry", ci.GitLab, map[string]string{
			"CI_JOB_TOKEN": "glcbt-token", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "fix",
		}, ci.Job{System: ci.GitLab, Branch: "fix"}},
		{"jenkins", ci.Generic, map[string]string{"GIT_BRANCH": "origin/release/2", "GIT_COMMIT": "abc"},
			ci.Job{System: ci.Generic, Branch: "release/2", Commit: "abc"}},
		{"buildkite tag", ci.Generic, map[string]string{"BUILDKITE_TAG": "v2", "BUILDKITE_BRANCH": "v2"},
			ci.Job{System: ci.Generic, GitTag: "v2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ci.Read(tc.system, env(tc.vars)))
		})
	}
}

func slug(s string) string { return strings.ReplaceAll(s, "/", "-") }

func TestScript(t *testing.T) {
	job := ci.Job{System: ci.GitHub, Repo: "ghcr.io/acme/shop", RepoNeedsProject: true,
		Registry: "ghcr.io", Username: "octocat", Token: "ghs_s3cret", Branch: "feature/x"}
	sections := ci.Sections(job, ci.Defaults{DockerConfig: "/tmp/docker-config", Project: "shop", Slug: slug, TagPart: slug})
	var b strings.Builder
	require.NoError(t, ci.Write(&b, sections, env(map[string]string{"DOCKER_CONFIG": "/home/u/.docker"})))
	assert.Equal(t, `# DOCKER CONFIG
export DOCKER_CONFIG='/tmp/docker-config'
export WERF_DOCKER_CONFIG='/tmp/docker-config'

# REPO
export WERF_REPO='ghcr.io/acme/shop/shop'

# ENV
export WERF_ENV='feature-x'

# CUSTOM TAGS
export WERF_ADD_CUSTOM_TAG_BRANCH='%image%-feature-x'
`, b.String())
	assert.NotContains(t, b.String(), "ghs_s3cret")
}

func TestScriptKeepsWhatTheJobSets(t *testing.T) {
	job := ci.Job{System: ci.GitLab, Repo: "registry.gitlab.com/acme/shop", Environment: "review/it's", GitTag: "v1.0"}
	sections := ci.Sections(job, ci.Defaults{DockerConfig: "/tmp/d", Slug: slug, TagPart: slug})
	var b strings.Builder
	require.NoError(t, ci.Write(&b, sections, env(map[string]string{"WERF_REPO": "registry.example.com/own"})))
	assert.Contains(t, b.String(), "# skip export WERF_REPO='registry.gitlab.com/acme/shop' (set to 'registry.example.com/own')\n")
	assert.Contains(t, b.String(), `export WERF_ENV='review/it'\''s'`+"\n", "quoted for the shell")
	assert.Contains(t, b.String(), "export WERF_ADD_CUSTOM_TAG_GIT_TAG='%image%-v1.0'\n")
	assert.NotContains(t, b.String(), "CUSTOM_TAG_BRANCH")

	// GitHub's repo needs werf.yaml's project; without it there is none.
	sections = ci.Sections(ci.Job{System: ci.GitHub, Repo: "ghcr.io/acme/shop", RepoNeedsProject: true}, ci.Defaults{Slug: slug, TagPart: slug})
	b.Reset()
	require.NoError(t, ci.Write(&b, sections, env(nil)))
	assert.Contains(t, b.String(), "# export WERF_REPO=''\n")
	assert.Contains(t, b.String(), "# export WERF_ENV=''\n")
}
