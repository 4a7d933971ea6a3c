package ci

import (
	"fmt"
	"strings"
)

// System is a CI service.
type System string

// The systems dagwerf knows.
const (
	GitHub  System = "github"
	GitLab  System = "gitlab"
	Generic System = "generic" // any other CI: Jenkins, Buildkite, CircleCI, Drone, …
)

// Lookup reads an environment variable.
type Lookup func(string) (string, bool)

func (l Lookup) get(name string) string {
	v, _ := l(name)
	return v
}

// first is the first of the variables that is set.
func (l Lookup) first(names ...string) string {
	for _, n := range names {
		if v := l.get(n); v != "" {
			return v
		}
	}
	return ""
}

// Detect says which CI the environment is a job of; ok is false outside CI.
func Detect(env Lookup) (System, bool) {
	switch {
	case env.get("GITHUB_ACTIONS") == "true":
		return GitHub, true
	case env.get("GITLAB_CI") == "true":
		return GitLab, true
	case isTrue(env.get("CI")) || env.first("JENKINS_URL", "BUILDKITE", "TEAMCITY_VERSION", "BITBUCKET_BUILD_NUMBER") != "":
		return Generic, true
	}
	return "", false
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// ParseSystem reads a system as `dagwerf ci-env` takes it: github, gitlab,
// generic, or auto (detect it).
func ParseSystem(name string, env Lookup) (System, error) {
	switch s := System(strings.ToLower(name)); s {
	case GitHub, GitLab, Generic:
		return s, nil
	case "auto", "":
		if s, ok := Detect(env); ok {
			return s, nil
		}
		return "", fmt.Errorf("no CI detected (GITHUB_ACTIONS, GITLAB_CI and CI are not set): name one of github, gitlab or generic")
	}
	return "", fmt.Errorf("CI system %q: dagwerf knows github, gitlab, generic and auto", name)
}
