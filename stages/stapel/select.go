package stapel

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Candidate is a stored stage of a stage's digest.
type Candidate struct {
	StageID string // <digest>-<millis>
	Millis  int64  // when it was stored, unix milliseconds
	Labels  map[string]string
}

// Select picks the stored stage werf would use for s among the candidates of
// its digest (SelectSuitableStageDesc), or nil when none suits and the stage
// is to be built. It skips stages stored before the previous stage (a stage
// is never older than its parent), then takes the oldest; for a git stage,
// and a user stage after gitArchive, the oldest whose recorded commits exist
// and are ancestors of the current ones.
func (s *Stage) Select(ctx context.Context, candidates []Candidate) (*Candidate, error) {
	c := s.chain
	if err := c.current(s); err != nil {
		return nil, err
	}
	var parent int64
	if c.before != nil {
		parent = c.before.millis
	}
	suitable := make([]Candidate, 0, len(candidates))
	for _, cand := range candidates {
		if cand.Millis >= parent {
			suitable = append(suitable, cand)
		}
	}
	slices.SortStableFunc(suitable, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(a.Millis, b.Millis), cmp.Compare(a.StageID, b.StageID))
	})
	if len(suitable) == 0 {
		return nil, nil
	}
	if !s.step.byAncestry(c) {
		return &suitable[0], nil
	}
	current := make([]string, len(c.git))
	for i := range c.git {
		info, err := c.latestInfo(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("%s: stage %s: %w", c.where(), s.LogName(), err)
		}
		current[i] = info.Commit
		if info.VirtualMerge {
			current[i] = info.VirtualMergeFromCommit
		}
	}
	for i := range suitable {
		ok, err := c.descends(ctx, suitable[i], current)
		if err != nil {
			return nil, fmt.Errorf("%s: stage %s: stored stage %s: %w", c.where(), s.LogName(), suitable[i].StageID, err)
		}
		if ok {
			return &suitable[i], nil
		}
	}
	return nil, nil
}

// descends reports whether every commit a stored stage recorded exists and is
// an ancestor of the mapping's current commit (selectAncestorStageDescByGitMappings).
// A stage whose labels lack a commit is passed over, as werf does with a
// warning.
func (c *Chain) descends(ctx context.Context, cand Candidate, current []string) (bool, error) {
	for i, m := range c.git {
		rec, err := m.git.Recorded(cand.Labels)
		if err != nil {
			return false, nil
		}
		commit := rec.Commit
		if rec.VirtualMerge {
			commit = rec.VirtualMergeFromCommit
		}
		ok, err := m.git.HasCommit(ctx, commit)
		if err != nil {
			return false, fmt.Errorf("%s: %w", m.name(), err)
		}
		if !ok {
			return false, nil
		}
		if c.opts.DisableGitCommitAncestryCheck {
			continue
		}
		ok, err = m.git.IsAncestor(ctx, commit, current[i])
		if err != nil {
			return false, fmt.Errorf("%s: is %s an ancestor of %s: %w", m.name(), commit, current[i], err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}
