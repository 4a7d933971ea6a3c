// Package ci reads the environment of a CI job — GitHub Actions, GitLab CI, or
// any other CI — and says what dagwerf should default to there, as werf's
// ci-env does: where stages go, which registry to log in to with the job's
// token, the environment, and custom tags for the branch. It depends on nothing
// else of dagwerf's.
package ci
