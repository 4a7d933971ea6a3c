package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

const jobToken = "glcbt-64_j0b-t0ken"

// dockerConfigLine finds the job's Docker config directory in a script.
var dockerConfigLine = regexp.MustCompile(`(?m)^export DOCKER_CONFIG='([^']+)'$`)

func TestCIEnvGitLab(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth("gitlab-ci-token", jobToken))
	own := t.TempDir()
	require.NoError(t, os.WriteFile(own+"/config.json", []byte(`{"auths": {"other.example.com": {"auth": "b3RoZXI6b3RoZXI="}}}`), 0o600))
	vars := map[string]string{
		"GITLAB_CI": "true", "CI_REGISTRY": reg.Host, "CI_REGISTRY_IMAGE": reg.Host + "/acme/shop",
		"CI_REGISTRY_USER": "gitlab-ci-token", "CI_JOB_TOKEN": jobToken,
		"CI_COMMIT_BRANCH": "feature/login", "CI_COMMIT_SHA": "0123abcd", "DOCKER_CONFIG": own,
	}
	stdout, stderr, code := dagwerf(t, vars, "ci-env")
	require.Equal(t, 0, code, stderr)
	m := dockerConfigLine.FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	jobConfig := m[1]
	t.Cleanup(func() { os.RemoveAll(jobConfig) })
	assert.Equal(t, `# DOCKER CONFIG
export DOCKER_CONFIG='`+jobConfig+`'
export WERF_DOCKER_CONFIG='`+jobConfig+`'

# REPO
export WERF_REPO='`+reg.Host+`/acme/shop'

# ENV
export WERF_ENV='feature-login'

# CUSTOM TAGS
export WERF_ADD_CUSTOM_TAG_BRANCH='%image%-feature-login-723b424c'
`, stdout)
	assert.NotContains(t, stdout+stderr, jobToken)

	auths := configAuths(t, jobConfig)
	assert.Contains(t, auths, reg.Host, "logged in with the job's token")
	assert.Contains(t, auths, "other.example.com", "a copy of the runner's config")
	assert.NotContains(t, configAuths(t, own), reg.Host, "the runner's own config is left alone")
}

func TestCIEnvRefusedToken(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth("gitlab-ci-token", "the-right-token"))
	vars := map[string]string{
		"GITLAB_CI": "true", "CI_REGISTRY_IMAGE": reg.Host + "/acme/shop", "CI_JOB_TOKEN": jobToken,
		"DOCKER_CONFIG": t.TempDir(),
	}
	stdout, stderr, code := dagwerf(t, vars, "ci-env", "gitlab")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "log in to the gitlab registry with the job's token: "+reg.Host+": wrong username or password")
	assert.NotContains(t, stdout+stderr, jobToken)

	_, stderr, code = dagwerf(t, vars, "ci-env", "gitlab", "--login-to-registry=false")
	assert.Equal(t, 0, code, stderr)
}

func TestCIEnvGitHubAsFile(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"werf.yaml": "configVersion: 1\nproject: shop\n---\nimage: app\ndockerfile: Dockerfile\n", "Dockerfile": "FROM scratch\n"})
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "Acme/Shop", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": "v1.2.0",
		"GITHUB_ACTOR": "octocat", "GITHUB_TOKEN": "ghs_secret", "WERF_ENV": "staging", "DOCKER_CONFIG": t.TempDir(),
	}
	// ghcr.io is out of reach here: no login.
	stdout, stderr, code := dagwerf(t, vars, "ci-env", "--dir", r.Dir, "--as-file", "--login-to-registry=false")
	require.Equal(t, 0, code, stderr)
	path := strings.TrimSpace(stdout)
	t.Cleanup(func() { os.Remove(path) })
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	script := string(data)
	assert.Contains(t, script, "export WERF_REPO='ghcr.io/acme/shop/shop'\n", "werf's default: the project completes it")
	assert.Contains(t, script, "# skip export WERF_ENV='' (set to 'staging')\n")
	assert.Contains(t, script, "export WERF_ADD_CUSTOM_TAG_GIT_TAG='%image%-v1.2.0'\n")
	assert.NotContains(t, script+stderr, "ghs_secret")
	if m := dockerConfigLine.FindStringSubmatch(script); m != nil {
		os.RemoveAll(m[1])
	}
}

func TestCIEnvOutsideCI(t *testing.T) {
	_, stderr, code := dagwerf(t, map[string]string{}, "ci-env")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no CI detected")
}
