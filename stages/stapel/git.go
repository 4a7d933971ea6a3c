package stapel

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dagwerf/dagwerf/stages"
)

// patchSizeStep is werf's gitCache unit: the stage exists once the patch since
// the previous stage is 1 MiB or more, and its digest changes with each MiB
// (pkg/build/stage/git_cache.go).
const patchSizeStep = 1024 * 1024

// gitStep is what the three git stages share (pkg/build/stage/git.go): they
// hand on their commits and Select takes ancestors.
type gitStep struct{}

func (gitStep) handsOnCommits() bool   { return true }
func (gitStep) byAncestry(*Chain) bool { return true }

// gitArchiveStep puts every mapping's files at its current commit.
type gitArchiveStep struct{ gitStep }

func (gitArchiveStep) name() StageName { return GitArchive }

// empty: never; werf refuses a mapping that matches no file.
func (gitArchiveStep) empty(ctx context.Context, c *Chain, _ *resolved) (bool, error) {
	for _, m := range c.git {
		none, err := m.git.IsEmpty(ctx)
		if err != nil {
			return false, fmt.Errorf("%s: %w", m.name(), err)
		}
		if none {
			return false, fmt.Errorf("%s: git.add %s matches no file at the current commit; werf requires at least one", m.name(), m.cfg.Add)
		}
	}
	return false, nil
}

// dependencies: the mappings' parameter hashes, sorted. Commits are not in it:
// they are what the stage hands on.
func (gitArchiveStep) dependencies(_ context.Context, c *Chain, _ *resolved, _ *Stage) (string, []Input, error) {
	parts := make([]Input, len(c.git))
	for i, m := range c.git {
		parts[i] = Input{m.name() + " params", m.git.ParamsHash()}
	}
	slices.SortStableFunc(parts, func(a, b Input) int { return strings.Compare(a.Value, b.Value) })
	return stages.Sha256(values(parts)...), parts, nil
}

// labels: a git stage's, and what each mapping's `to` is, a directory or a
// file, which the patch stages after it read back.
func (gitArchiveStep) labels(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (map[string]string, error) {
	out, err := c.gitStageLabels(ctx, prev)
	if err != nil {
		return nil, err
	}
	for _, m := range c.git {
		typ, err := m.git.ArchiveType()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.name(), err)
		}
		out[m.git.TypeLabel()] = typ
	}
	return out, nil
}

// gitCacheStep applies a large patch early so that gitLatestPatch stays small.
type gitCacheStep struct{ gitStep }

func (gitCacheStep) name() StageName { return GitCache }

// empty: when the previous stage has the current commits, or the patch since
// them is under patchSizeStep.
func (gitCacheStep) empty(ctx context.Context, c *Chain, prev *resolved) (bool, error) {
	current, err := c.patchedToCurrent(ctx, prev.labels)
	if err != nil || current {
		return current, err
	}
	size, err := c.patchSize(ctx, prev.labels)
	return size < patchSizeStep, err
}

func (gitCacheStep) dependencies(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (string, []Input, error) {
	size, err := c.patchSize(ctx, prev.labels)
	if err != nil {
		return "", nil, err
	}
	steps := strconv.FormatInt(size/patchSizeStep, 10)
	return stages.Sha256(steps), []Input{{"patch size in MiB, rounded down", steps}}, nil
}

func (gitCacheStep) labels(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (map[string]string, error) {
	return c.gitStageLabels(ctx, prev)
}

// gitLatestPatchStep applies the patch from the previous stage's commits to
// the current ones.
type gitLatestPatchStep struct{ gitStep }

func (gitLatestPatchStep) name() StageName { return GitLatestPatch }

// empty: when the previous stage has the current commits, or no mapping's
// patch changes a file it takes. A previous commit the repository lacks is
// an error.
func (gitLatestPatchStep) empty(ctx context.Context, c *Chain, prev *resolved) (bool, error) {
	current, err := c.patchedToCurrent(ctx, prev.labels)
	if err != nil || current {
		return current, err
	}
	for _, m := range c.git {
		base, err := m.git.BaseCommit(ctx, prev.labels)
		if err != nil {
			return false, fmt.Errorf("%s: commit of the previous stage: %w", m.name(), err)
		}
		ok, err := m.git.HasCommit(ctx, base)
		if err != nil {
			return false, fmt.Errorf("%s: %w", m.name(), err)
		}
		if !ok {
			return false, fmt.Errorf("%s: commit %s of the previous stage is not in the repository", m.name(), base)
		}
		none, err := m.git.IsPatchEmpty(ctx, base)
		if err != nil {
			return false, fmt.Errorf("%s: patch from %s: %w", m.name(), base, err)
		}
		if !none {
			return false, nil
		}
	}
	return true, nil
}

// dependencies: every mapping's patch text from the previous stage's commit.
func (gitLatestPatchStep) dependencies(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (string, []Input, error) {
	parts := make([]Input, len(c.git))
	for i, m := range c.git {
		base, err := m.git.BaseCommit(ctx, prev.labels)
		if err != nil {
			return "", nil, fmt.Errorf("%s: commit of the previous stage: %w", m.name(), err)
		}
		patch, err := m.git.PatchContent(ctx, base)
		if err != nil {
			return "", nil, fmt.Errorf("%s: patch from %s: %w", m.name(), base, err)
		}
		parts[i] = Input{m.name() + " patch from " + base, patch}
	}
	return stages.Sha256(values(parts)...), parts, nil
}

func (gitLatestPatchStep) labels(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (map[string]string, error) {
	return c.gitStageLabels(ctx, prev)
}

// gitStageLabels are a git stage's labels: its mounts and every mapping's
// current commit.
func (c *Chain) gitStageLabels(ctx context.Context, prev *resolved) (map[string]string, error) {
	prevLabels, err := c.labelsOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	out := mountLabels(prevLabels, c.img.Stapel.Mounts)
	return out, c.addCommitLabels(ctx, out)
}

// addCommitLabels records every mapping's current commit
// (AddGitCommitToImageLabels).
func (c *Chain) addCommitLabels(ctx context.Context, out map[string]string) error {
	for i, m := range c.git {
		info, err := c.latestInfo(ctx, i)
		if err != nil {
			return err
		}
		for k, v := range m.git.Labels(info) {
			out[k] = v
		}
	}
	return nil
}

// patchedToCurrent reports whether an image with prevLabels already holds
// every mapping at its current commit, so that no patch is due
// (hasPrevBuiltStageHadActualGitMappings). With no mappings it is true.
func (c *Chain) patchedToCurrent(ctx context.Context, prevLabels map[string]string) (bool, error) {
	for i, m := range c.git {
		base, err := m.git.BaseCommit(ctx, prevLabels)
		if err != nil {
			return false, fmt.Errorf("%s: commit of the previous stage: %w", m.name(), err)
		}
		latest, err := c.latestInfo(ctx, i)
		if err != nil {
			return false, err
		}
		if base != latest.Commit {
			return false, nil
		}
	}
	return true, nil
}

// patchSize is the size of the mappings' patches from the previous stage's
// commits; 0 as soon as one of those commits is not in the repository.
func (c *Chain) patchSize(ctx context.Context, prevLabels map[string]string) (int64, error) {
	var size int64
	for _, m := range c.git {
		base, err := m.git.BaseCommit(ctx, prevLabels)
		if err != nil {
			return 0, fmt.Errorf("%s: commit of the previous stage: %w", m.name(), err)
		}
		ok, err := m.git.HasCommit(ctx, base)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", m.name(), err)
		}
		if !ok {
			return 0, nil
		}
		n, err := m.git.PatchSize(ctx, base)
		if err != nil {
			return 0, fmt.Errorf("%s: patch size from %s: %w", m.name(), base, err)
		}
		size += n
	}
	return size, nil
}
