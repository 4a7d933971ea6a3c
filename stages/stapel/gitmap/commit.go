package gitmap

import (
	"context"
	"fmt"
	"path"
	"strings"
)

// CommitInfo is the commit a mapping takes its files from.
type CommitInfo struct {
	Commit                 string
	VirtualMerge           bool
	VirtualMergeFromCommit string
	VirtualMergeIntoCommit string
}

// commitInfo is werf's GetLatestCommitInfo for the commit the mapping builds
// from: under virtual merge, the project's HEAD is a merge commit whose second
// parent was merged into its first.
func (m *Mapping) commitInfo(commit string) (CommitInfo, error) {
	info := CommitInfo{Commit: commit}
	if !m.repo.local || !m.opts.VirtualMerge {
		return info, nil
	}
	info.VirtualMerge = true
	parents, err := m.repo.parents(commit)
	if err != nil {
		return CommitInfo{}, fmt.Errorf("unable to get virtual merge commit %q parents: %w", commit, err)
	}
	if len(parents) != 2 {
		return CommitInfo{}, fmt.Errorf("unable to get virtual merge commit %q parents: got unexpected parents: %v", commit, parents)
	}
	info.VirtualMergeFromCommit, info.VirtualMergeIntoCommit = parents[1], parents[0]
	return info, nil
}

// Latest is the commit the mapping builds from now (GetLatestCommitInfo).
func (m *Mapping) Latest(ctx context.Context) (CommitInfo, error) { return m.latest, nil }

// Labels are the labels a stage built now records for this mapping
// (AddGitCommitToImageLabels).
func (m *Mapping) Labels(info CommitInfo) map[string]string {
	labels := map[string]string{m.CommitLabel(): info.Commit}
	if info.VirtualMerge {
		labels[m.VirtualMergeLabel()] = "true"
		labels[m.VirtualMergeFromCommitLabel()] = info.VirtualMergeFromCommit
		labels[m.VirtualMergeIntoCommitLabel()] = info.VirtualMergeIntoCommit
	} else {
		labels[m.VirtualMergeLabel()] = "false"
	}
	return labels
}

// ArchiveLabels are the labels the gitArchive stage built now records for
// this mapping: Labels of the latest commit and TypeLabel
// (PrepareArchiveForImage).
func (m *Mapping) ArchiveLabels() (map[string]string, error) {
	typ, err := m.ArchiveType()
	if err != nil {
		return nil, err
	}
	labels := m.Labels(m.latest)
	labels[m.TypeLabel()] = typ
	return labels, nil
}

// Recorded reads the commit a found stage recorded for this mapping
// (GetBuiltImageCommitInfo).
func (m *Mapping) Recorded(labels map[string]string) (CommitInfo, error) {
	var info CommitInfo
	info.VirtualMerge = labels[m.VirtualMergeLabel()] == "true"
	if info.VirtualMerge {
		var ok bool
		if info.VirtualMergeFromCommit, ok = labels[m.VirtualMergeFromCommitLabel()]; !ok {
			return CommitInfo{}, invalidImage(m.VirtualMergeFromCommitLabel())
		}
		if info.VirtualMergeIntoCommit, ok = labels[m.VirtualMergeIntoCommitLabel()]; !ok {
			return CommitInfo{}, invalidImage(m.VirtualMergeIntoCommitLabel())
		}
	}
	commit, ok := labels[m.CommitLabel()]
	if !ok {
		return CommitInfo{}, invalidImage(m.CommitLabel())
	}
	info.Commit = commit
	return info, nil
}

func invalidImage(label string) error {
	return fmt.Errorf("invalid image: not found commit id by label %q", label)
}

// BaseCommit is the commit a later git stage patches from, given the labels of
// the previous built stage (GetBaseCommitForPrevBuiltImage): the recorded
// commit, or for a recorded virtual merge that is not the one built now, a
// merge of its two commits made again.
func (m *Mapping) BaseCommit(ctx context.Context, prevLabels map[string]string) (string, error) {
	rec, err := m.Recorded(prevLabels)
	if err != nil {
		return "", fmt.Errorf("error getting prev built image commits info: %w", err)
	}
	if !rec.VirtualMerge {
		return rec.Commit, nil
	}
	if m.repo.local && m.opts.VirtualMerge && m.latest.Commit == rec.Commit {
		return rec.Commit, nil
	}
	from, into := rec.VirtualMergeFromCommit, rec.VirtualMergeIntoCommit
	base, err := m.repo.merges.Get([2]string{from, into}, func() (string, error) { return m.repo.detachedMerge(ctx, from, into) })
	if err != nil {
		return "", fmt.Errorf("unable to create detached merge commit of %s into %s: %w", from, into, err)
	}
	return base, nil
}

// detachedMerge is werf's CreateDetachedMergeCommit (`git merge --no-ff` of
// from into into, in a worktree of its own) without a worktree: the same
// merge machinery writes the merged tree, and a commit with into and from as
// parents is written for it. No reference changes. werf's commit carries the
// time it was made; this one a fixed time, so that the same merge is the same
// commit. Patches compare trees, so either serves as a base alike.
func (r *repository) detachedMerge(ctx context.Context, from, into string) (string, error) {
	out, err := runGit(ctx, r.gitDir, "-c", "user.email=werf@werf.io", "-c", "user.name=werf", "merge-tree", "--write-tree", "--no-messages", into, from)
	if err != nil {
		return "", fmt.Errorf("git merge failed: %w", err)
	}
	tree, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	env := append(gitEnvironment(),
		"GIT_AUTHOR_NAME=werf", "GIT_AUTHOR_EMAIL=werf@werf.io",
		"GIT_COMMITTER_NAME=werf", "GIT_COMMITTER_EMAIL=werf@werf.io",
		"GIT_AUTHOR_DATE=1970-01-01T00:00:00Z", "GIT_COMMITTER_DATE=1970-01-01T00:00:00Z",
	)
	out, err = runGitEnv(ctx, r.gitDir, env, "commit-tree", tree, "-p", into, "-p", from, "-m", fmt.Sprintf("Merge commit '%s' into %s", from, into))
	if err != nil {
		return "", fmt.Errorf("git commit-tree failed: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// HasCommit reports whether the mapping's repository has a commit.
func (m *Mapping) HasCommit(ctx context.Context, commit string) (bool, error) {
	ok, err := m.repo.hasCommit(commit)
	if err != nil {
		return false, fmt.Errorf("%s: %w", m.repo, err)
	}
	return ok, nil
}

// IsAncestor reports whether commit is an ancestor of (or equal to) of.
func (m *Mapping) IsAncestor(ctx context.Context, commit, of string) (bool, error) {
	ok, err := m.repo.isAncestor(ctx, commit, of)
	if err != nil {
		return false, fmt.Errorf("error checking commits ancestry %s<-%s in %s: %w", commit, of, m.repo, err)
	}
	return ok, nil
}

func baseName(p string) string { return path.Base(p) }
