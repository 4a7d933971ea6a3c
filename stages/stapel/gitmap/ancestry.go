package gitmap

import (
	"context"
	"fmt"
	"sort"

	"github.com/dagwerf/dagwerf/stages"
)

// NextStageDependencies is what a git stage adds to the digest of the stage
// after it (werf's getNextStageGitDependencies): the commits of the mappings,
// sorted, hashed. A found stage contributes the commits it recorded
// (labels); a stage built now, the latest ones (labels nil).
func NextStageDependencies(ctx context.Context, mappings []*Mapping, labels map[string]string) (string, error) {
	var commits []string
	for _, m := range mappings {
		if labels != nil {
			info, err := m.Recorded(labels)
			if err != nil {
				return "", fmt.Errorf("unable to get built image commit info: %w", err)
			}
			commits = append(commits, info.Commit)
			continue
		}
		commits = append(commits, m.latest.Commit)
	}
	sort.Strings(commits)
	return stages.Sha256(commits...), nil
}

// Suitable reports whether a found git stage may be used now (werf's
// selectAncestorStageDescByGitMappings, for one candidate): for every mapping
// it recorded a commit the repository has and that is an ancestor of the
// latest one (under virtual merge, the merged commits are compared). When it
// may not, reason says why, as werf logs it.
func Suitable(ctx context.Context, mappings []*Mapping, labels map[string]string) (ok bool, reason string, err error) {
	for _, m := range mappings {
		current := m.latest.Commit
		if m.latest.VirtualMerge {
			current = m.latest.VirtualMergeFromCommit
		}
		rec, err := m.Recorded(labels)
		if err != nil {
			return false, fmt.Sprintf("unable to get image commit info for git repo %s: %s", m.spec.repoName, err), nil
		}
		commit := rec.Commit
		if rec.VirtualMerge {
			commit = rec.VirtualMergeFromCommit
		}
		has, err := m.HasCommit(ctx, commit)
		if err != nil {
			return false, "", fmt.Errorf("error checking if commit %s exists: %w", commit, err)
		}
		if !has {
			return false, fmt.Sprintf("commit %s does not exist in repo %s", commit, m.spec.repoName), nil
		}
		if m.opts.DisableAncestryCheck {
			continue
		}
		ancestor, err := m.IsAncestor(ctx, commit, current)
		if err != nil {
			return false, "", err
		}
		if !ancestor {
			return false, fmt.Sprintf("commit %s is not an ancestor of %s in repo %s", commit, current, m.spec.repoName), nil
		}
	}
	return true, "", nil
}

// SelectAncestor is werf's choice among the found stages of a git stage's
// digest: candidates are their labels, oldest first; the first Suitable one
// is used. It returns its index, -1 when none is.
func SelectAncestor(ctx context.Context, mappings []*Mapping, candidates []map[string]string) (int, error) {
	for i, labels := range candidates {
		ok, _, err := Suitable(ctx, mappings, labels)
		if err != nil {
			return -1, err
		}
		if ok {
			return i, nil
		}
	}
	return -1, nil
}
