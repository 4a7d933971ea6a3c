package gitmap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestLabelsAndRecordedRoundTrip(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"f": "x\n"})
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	ph := m.ParamsHash()

	// The commits of werf's own cases (pkg/build/stage/git_mapping_test.go,
	// "getting built image commit info from labels").
	tests := []struct {
		name   string
		info   gitmap.CommitInfo
		labels map[string]string
	}{
		{
			name: "plain commit",
			info: gitmap.CommitInfo{Commit: "08885f44226e48e19448e672b4db56b0f710a8b5"},
			labels: map[string]string{
				"werf-git-" + ph + "-commit":        "08885f44226e48e19448e672b4db56b0f710a8b5",
				"werf-git-" + ph + "-virtual-merge": "false",
			},
		},
		{
			name: "virtual merge",
			info: gitmap.CommitInfo{Commit: "a4009816bf7d8f62b2d1cd3331d36f45b3df7d99", VirtualMerge: true,
				VirtualMergeFromCommit: "c1159b9ce05143df3dd6450ee9d749c9642320d2", VirtualMergeIntoCommit: "cdb9a2e6ab3fec90f3ea12d4e4728ec4bf3f74dc"},
			labels: map[string]string{
				"werf-git-" + ph + "-commit":                    "a4009816bf7d8f62b2d1cd3331d36f45b3df7d99",
				"werf-git-" + ph + "-virtual-merge":             "true",
				"werf-git-" + ph + "-virtual-merge-from-commit": "c1159b9ce05143df3dd6450ee9d749c9642320d2",
				"werf-git-" + ph + "-virtual-merge-into-commit": "cdb9a2e6ab3fec90f3ea12d4e4728ec4bf3f74dc",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.labels, m.Labels(tt.info))
			got, err := m.Recorded(tt.labels)
			require.NoError(t, err)
			assert.Equal(t, tt.info, got)
		})
	}
}

func TestRecordedRefusesIncompleteLabels(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"f": "x\n"})
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	full := m.Labels(gitmap.CommitInfo{Commit: "c", VirtualMerge: true, VirtualMergeFromCommit: "f", VirtualMergeIntoCommit: "i"})

	for _, missing := range []string{m.CommitLabel(), m.VirtualMergeFromCommitLabel(), m.VirtualMergeIntoCommitLabel()} {
		labels := map[string]string{}
		for k, v := range full {
			if k != missing {
				labels[k] = v
			}
		}
		_, err := m.Recorded(labels)
		assert.EqualError(t, err, `invalid image: not found commit id by label "`+missing+`"`)
	}
	// Without the virtual-merge label the stage recorded a plain commit.
	info, err := m.Recorded(map[string]string{m.CommitLabel(): "c"})
	require.NoError(t, err)
	assert.Equal(t, gitmap.CommitInfo{Commit: "c"}, info)
}

// mergeRepo has main and a feature branch merged into it: HEAD is the merge
// commit a CI system makes for a merge request (werf's virtual merge).
func mergeRepo(t *testing.T) (r *gittest.Repo, into, from, merge string) {
	r = gittest.New(t)
	r.CommitFiles(map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	r.Git("checkout", "-q", "-b", "feature")
	from = r.CommitFiles(map[string]string{"b.txt": "b feature\n"})
	r.Git("checkout", "-q", "main")
	into = r.CommitFiles(map[string]string{"a.txt": "a main\n"})
	r.Git("merge", "-q", "--no-ff", "--no-edit", "feature")
	return r, into, from, r.Git("rev-parse", "HEAD")
}

func withVirtualMerge(o *gitmap.Options) { o.VirtualMerge = true }

func TestLatestUnderVirtualMerge(t *testing.T) {
	r, into, from, merge := mergeRepo(t)
	ctx := context.Background()

	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"}, withVirtualMerge)
	info, err := m.Latest(ctx)
	require.NoError(t, err)
	assert.Equal(t, gitmap.CommitInfo{Commit: merge, VirtualMerge: true, VirtualMergeFromCommit: from, VirtualMergeIntoCommit: into}, info)

	m = openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	info, err = m.Latest(ctx)
	require.NoError(t, err)
	assert.Equal(t, gitmap.CommitInfo{Commit: merge}, info)

	// A HEAD that is no merge commit cannot stand for one.
	r.Git("checkout", "-q", "--detach", into)
	_, err = openErr(t, r, config.GitMapping{Add: "/", To: "/app"}, withVirtualMerge)
	assert.ErrorContains(t, err, "unable to get virtual merge commit")
}

// The cases of werf's "getting base commit from prev built image"
// (pkg/build/stage/git_mapping_test.go), with real commits.
func TestBaseCommit(t *testing.T) {
	r, into, from, merge := mergeRepo(t)
	older := r.Git("rev-parse", "HEAD~1") // into, a plain commit of main
	ctx := context.Background()

	plain := func(m *gitmap.Mapping, c string) map[string]string {
		return m.Labels(gitmap.CommitInfo{Commit: c})
	}
	virtual := func(m *gitmap.Mapping, c string) map[string]string {
		return m.Labels(gitmap.CommitInfo{Commit: c, VirtualMerge: true, VirtualMergeFromCommit: from, VirtualMergeIntoCommit: into})
	}
	tests := []struct {
		name         string
		virtualMerge bool
		labels       func(*gitmap.Mapping) map[string]string
		want         string // "merge again": a merge of from into into, made anew
	}{
		{"built at the current commit, no virtual merge", false, func(m *gitmap.Mapping) map[string]string { return plain(m, merge) }, merge},
		{"built at an older commit, no virtual merge", false, func(m *gitmap.Mapping) map[string]string { return plain(m, older) }, older},
		{"plain commit recorded, virtual merge now", true, func(m *gitmap.Mapping) map[string]string { return plain(m, older) }, older},
		{"the same virtual merge commit", true, func(m *gitmap.Mapping) map[string]string { return virtual(m, merge) }, merge},
		{"another virtual merge commit", true, func(m *gitmap.Mapping) map[string]string {
			return virtual(m, "d2a341ee66189d0927c47a13541ae1926fad05bb")
		}, "merge again"},
		{"a virtual merge recorded, none now", false, func(m *gitmap.Mapping) map[string]string { return virtual(m, merge) }, "merge again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*gitmap.Options)
			if tt.virtualMerge {
				opts = append(opts, withVirtualMerge)
			}
			m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"}, opts...)
			got, err := m.BaseCommit(ctx, tt.labels(m))
			require.NoError(t, err)
			if tt.want != "merge again" {
				assert.Equal(t, tt.want, got)
				return
			}
			// werf merges from into into with `git merge --no-ff`: a commit
			// whose parents are into and from and whose tree is the merge's.
			assert.Equal(t, into+" "+from, r.Git("log", "-1", "--format=%P", got))
			assert.Equal(t, r.Git("rev-parse", merge+"^{tree}"), r.Git("rev-parse", got+"^{tree}"))
			has, err := m.HasCommit(ctx, got)
			require.NoError(t, err)
			assert.True(t, has)
			// Patches from it see only what changed since the merge.
			empty, err := m.IsPatchEmpty(ctx, got)
			require.NoError(t, err)
			assert.True(t, empty)
			again, err := m.BaseCommit(ctx, tt.labels(m))
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}

	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	_, err := m.BaseCommit(ctx, map[string]string{})
	assert.ErrorContains(t, err, "not found commit id by label")
}

func TestHasCommit(t *testing.T) {
	r := gittest.New(t)
	c := r.CommitFiles(map[string]string{"f": "x\n"})
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	ctx := context.Background()
	tests := []struct {
		commit string
		has    bool
		err    string
	}{
		{commit: c, has: true},
		{commit: strings.Repeat("0", 40)},
		{commit: c[:12]}, // werf looks a hash up whole
		{commit: "not-a-hash", err: "bad commit hash"},
	}
	for _, tt := range tests {
		has, err := m.HasCommit(ctx, tt.commit)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.commit)
			continue
		}
		require.NoError(t, err, tt.commit)
		assert.Equal(t, tt.has, has, tt.commit)
	}
}
