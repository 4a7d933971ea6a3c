package stapel

import (
	"context"

	"github.com/dagwerf/dagwerf/config"
)

// step is one stage of the image's list: how werf computes what it digests,
// whether it skips it, and which labels it gives a stage built now. prev is
// the previous non-empty stage as resolved (nil for the first stage).
type step interface {
	name() StageName
	// empty reports whether werf skips the stage (IsEmpty).
	empty(ctx context.Context, c *Chain, prev *resolved) (bool, error)
	// dependencies are the stage's StageDependencies argument and its parts
	// (GetDependencies); it may fill s's fields for the builder.
	dependencies(ctx context.Context, c *Chain, prev *resolved, s *Stage) (string, []Input, error)
	// labels are what werf's PrepareImage adds for a stage built now.
	labels(ctx context.Context, c *Chain, prev *resolved, s *Stage) (map[string]string, error)
	// handsOnCommits reports whether the next stage's digest takes this
	// stage's commits (GetNextStageDependencies); else it takes "".
	handsOnCommits() bool
	// byAncestry reports whether Select takes the oldest stored stage whose
	// commits are ancestors of the current ones, rather than the oldest.
	byAncestry(c *Chain) bool
}

// planSteps lists an image's stages as werf's initStages does
// (pkg/build/image/stapel.go): the stages a config leaves out are not listed;
// the git stages need git mappings; an artifact, or `disableGitAfterPatch`,
// drops gitCache, gitLatestPatch and — as werf does — dockerInstructions.
func planSteps(img *config.Image, hasGit, skipImageSpec bool) []step {
	s := img.Stapel
	steps := []step{fromStep{}}
	user := func(name StageName) {
		if u := newUserStep(s.Shell, name); u != nil {
			steps = append(steps, u)
		}
	}
	deps := func(name StageName, before, after string) {
		if d := newDependenciesStep(img, name, before, after); d != nil {
			steps = append(steps, d)
		}
	}
	user(BeforeInstall)
	deps(DependenciesBeforeInstall, "install", "")
	if hasGit {
		steps = append(steps, gitArchiveStep{})
	}
	user(Install)
	deps(DependenciesAfterInstall, "", "install")
	user(BeforeSetup)
	deps(DependenciesBeforeSetup, "setup", "")
	user(Setup)
	deps(DependenciesAfterSetup, "", "setup")
	if !s.Artifact && !s.DisableGitAfterPatch {
		if hasGit {
			steps = append(steps, gitCacheStep{}, gitLatestPatchStep{})
		}
		if s.Docker != nil {
			steps = append(steps, dockerStep{docker: s.Docker})
		}
	}
	if img.ImageSpec != nil && !skipImageSpec {
		steps = append(steps, imageSpecStep{spec: img.ImageSpec})
	}
	return steps
}

// StageNames lists the stages an image can have on a walk, in order: the
// stages its config declares. Which of them a walk skips as empty depends on
// the stages storage (gitCache, gitLatestPatch).
func StageNames(img *config.Image, opts Options) []StageName {
	if img == nil || img.Stapel == nil {
		return nil
	}
	steps := planSteps(img, len(img.Stapel.Git) > 0, opts.SkipImageSpec)
	names := make([]StageName, len(steps))
	for i, st := range steps {
		names[i] = st.name()
	}
	return names
}

// baseStep gives a stage werf's BaseStage behaviour: never empty, hands on
// nothing, Select takes the oldest stored stage.
type baseStep struct{}

func (baseStep) empty(context.Context, *Chain, *resolved) (bool, error) { return false, nil }
func (baseStep) handsOnCommits() bool                                   { return false }
func (baseStep) byAncestry(*Chain) bool                                 { return false }
