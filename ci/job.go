package ci

import (
	"strings"
)

// Job is what a CI job tells about itself.
type Job struct {
	System System

	// Repo is the stages repository the CI suggests (GitLab's project registry;
	// on GitHub, ghcr.io/OWNER/REPO, to which werf adds the project name); "" when
	// it suggests none.
	Repo string
	// RepoNeedsProject: Repo is a prefix that the project name completes, as werf
	// completes GitHub's.
	RepoNeedsProject bool

	// Registry is the registry the job's token opens, with Username and Token; ""
	// when there is none.
	Registry string
	Username string
	Token    string // never printed

	Branch      string // the branch built, or a merge request's source branch
	GitTag      string // the git tag built
	Environment string // the environment the CI deploys to
	Commit      string
}

// Read reads the job of system from the environment.
func Read(system System, env Lookup) Job {
	switch system {
	case GitHub:
		return readGitHub(env)
	case GitLab:
		return readGitLab(env)
	}
	return readGeneric(env)
}

// GitHubRegistry is GitHub's container registry.
const GitHubRegistry = "ghcr.io"

func readGitHub(env Lookup) Job {
	j := Job{System: GitHub, Commit: env.get("GITHUB_SHA")}
	if repo := env.get("GITHUB_REPOSITORY"); repo != "" {
		j.Repo, j.RepoNeedsProject = GitHubRegistry+"/"+strings.ToLower(repo), true
	}
	if actor, token := env.get("GITHUB_ACTOR"), env.get("GITHUB_TOKEN"); actor != "" && token != "" {
		j.Registry, j.Username, j.Token = GitHubRegistry, actor, token
	}
	switch env.get("GITHUB_REF_TYPE") {
	case "tag":
		j.GitTag = env.get("GITHUB_REF_NAME")
	case "branch":
		// A pull request runs on a merge ref; its branch is the head's.
		j.Branch = env.first("GITHUB_HEAD_REF", "GITHUB_REF_NAME")
	}
	return j
}

func readGitLab(env Lookup) Job {
	j := Job{
		System:      GitLab,
		Repo:        env.get("CI_REGISTRY_IMAGE"),
		Environment: env.get("CI_ENVIRONMENT_SLUG"),
		Commit:      env.get("CI_COMMIT_SHA"),
		GitTag:      env.get("CI_COMMIT_TAG"),
		Branch:      env.first("CI_COMMIT_BRANCH", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
	}
	if token := env.first("CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD"); token != "" && j.Repo != "" {
		j.Registry, _, _ = strings.Cut(j.Repo, "/")
		if r := env.get("CI_REGISTRY"); r != "" {
			j.Registry = r
		}
		j.Username, j.Token = "gitlab-ci-token", token
		if u := env.get("CI_REGISTRY_USER"); u != "" {
			j.Username = u
		}
	}
	return j
}

func readGeneric(env Lookup) Job {
	j := Job{
		System: Generic,
		Commit: env.first("GIT_COMMIT", "BUILDKITE_COMMIT", "CIRCLE_SHA1", "DRONE_COMMIT_SHA", "BITBUCKET_COMMIT", "TRAVIS_COMMIT"),
		GitTag: env.first("TAG_NAME", "BUILDKITE_TAG", "CIRCLE_TAG", "DRONE_TAG", "BITBUCKET_TAG", "TRAVIS_TAG"),
	}
	if j.GitTag == "" {
		branch := env.first("BRANCH_NAME", "BUILDKITE_BRANCH", "CIRCLE_BRANCH", "DRONE_BRANCH", "BITBUCKET_BRANCH", "TRAVIS_BRANCH", "GIT_BRANCH")
		// Jenkins' git plugin names the remote: origin/main.
		j.Branch = strings.TrimPrefix(branch, "origin/")
	}
	return j
}
