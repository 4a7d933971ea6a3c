package stapel

import (
	"slices"

	"github.com/dagwerf/dagwerf/stages"
)

// Input is one named input of a digest, for explanations and debug logs.
type Input struct {
	Name  string
	Value string
}

// labelContentDigest holds a stored stage's content digest; werf refuses a
// stage without it.
const labelContentDigest = "werf-stage-content-digest"

// The names werf's calculateDigest logs its arguments with
// (WERF_DEBUG_STAGE_DIGEST=1), used for Stage.Args.
const (
	argPlatform     = "TargetPlatform"
	argCacheVersion = "BuildCacheVersion"
	argStageName    = "StageName"
	argDependencies = "StageDependencies"
	argPrevDigest   = "PrevNonEmptyStage digest"
	argPrevNext     = "PrevNonEmptyStage dependencies for next stage"
)

// digestArgs are werf's calculateDigest arguments: the platform unless it is
// linux/amd64, the format version, the stage name, its dependencies and, after
// the first stage, the previous non-empty stage's digest and what that stage
// hands on. Their values joined with ":::" and hashed with SHA3-224 are the
// digest.
func digestArgs(platform, name, dependencies string, prev *resolved) []Input {
	args := make([]Input, 0, 6)
	if platform != "" && platform != "linux/amd64" {
		args = append(args, Input{argPlatform, platform})
	}
	args = append(args,
		Input{argCacheVersion, stages.BuildCacheVersion},
		Input{argStageName, name},
		Input{argDependencies, dependencies},
	)
	if prev != nil {
		args = append(args, Input{argPrevDigest, prev.digest}, Input{argPrevNext, prev.next})
	}
	return args
}

// hashArgs is the digest of digestArgs.
func hashArgs(args []Input) string { return stages.Sha3(values(args)...) }

// contentDigest is the werf-stage-content-digest of a stage built now: werf
// digests the stage once more as "<name>-content" with no dependencies, the
// stage itself taking the previous stage's place, so what the stage hands on
// (its commits) is in it.
func contentDigest(platform string, name StageName, digest, next string) string {
	return stages.StageDigest(platform, string(name)+"-content", "", digest, next)
}

// commitsDependency is what a git stage, or a user stage after gitArchive,
// hands on: the SHA-256 of its mappings' commits, sorted
// (getNextStageGitDependencies). With no mappings it is the SHA-256 of "".
func commitsDependency(commits []string) string {
	sorted := slices.Clone(commits)
	slices.Sort(sorted)
	return stages.Sha256(sorted...)
}
