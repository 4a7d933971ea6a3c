package gitmap_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// historyRepo: main has c1 and c2; branch other forks from c1 with o1.
func historyRepo(t *testing.T) (r *gittest.Repo, c1, c2, o1 string) {
	r = gittest.New(t)
	c1 = r.CommitFiles(map[string]string{"f": "1\n"})
	r.Git("checkout", "-q", "-b", "other")
	o1 = r.CommitFiles(map[string]string{"g": "o\n"})
	r.Git("checkout", "-q", "main")
	c2 = r.CommitFiles(map[string]string{"f": "2\n"})
	return r, c1, c2, o1
}

func TestIsAncestor(t *testing.T) {
	r, c1, c2, o1 := historyRepo(t)
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	tests := []struct {
		commit, of string
		want       bool
	}{
		{c1, c2, true},
		{c2, c2, true},
		{c2, c1, false},
		{o1, c2, false},
		{c1, o1, true},
		{strings.Repeat("1", 40), c2, false}, // not a commit of the repository
	}
	for _, tt := range tests {
		got, err := m.IsAncestor(context.Background(), tt.commit, tt.of)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s of %s", tt.commit, tt.of)
	}
}

func TestNextStageDependencies(t *testing.T) {
	r, c1, c2, _ := historyRepo(t)
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	ms, err := gitmap.Open(context.Background(), []config.GitMapping{{Add: "/", To: "/a"}, {Add: "/f", To: "/f"}}, gitmap.Options{Project: snap})
	require.NoError(t, err)
	ctx := context.Background()

	// werf's getNextStageGitDependencies: util.Sha256Hash of the sorted
	// commits, ":::" between them.
	built, err := gitmap.NextStageDependencies(ctx, ms, nil)
	require.NoError(t, err)
	assert.Equal(t, sha256Hex(c2+":::"+c2), built)

	labels := map[string]string{}
	for i, m := range ms {
		commit := []string{c2, c1}[i]
		for k, v := range m.Labels(gitmap.CommitInfo{Commit: commit}) {
			labels[k] = v
		}
	}
	found, err := gitmap.NextStageDependencies(ctx, ms, labels)
	require.NoError(t, err)
	sorted := []string{c2, c1}
	sort.Strings(sorted)
	assert.Equal(t, sha256Hex(strings.Join(sorted, ":::")), found)

	_, err = gitmap.NextStageDependencies(ctx, ms, map[string]string{})
	assert.ErrorContains(t, err, "not found commit id by label")
}

func TestSelectAncestor(t *testing.T) {
	r, c1, c2, o1 := historyRepo(t)
	ctx := context.Background()
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	ms := []*gitmap.Mapping{m}
	at := func(c string) map[string]string { return m.Labels(gitmap.CommitInfo{Commit: c}) }

	tests := []struct {
		name       string
		candidates []map[string]string
		want       int
		reason     string // why the first candidate is refused
	}{
		{"an ancestor", []map[string]string{at(c1)}, 0, ""},
		{"the current commit", []map[string]string{at(c2)}, 0, ""},
		{"another branch, then an ancestor", []map[string]string{at(o1), at(c1)}, 1, "is not an ancestor of " + c2},
		{"a commit the repository lacks", []map[string]string{at(strings.Repeat("a", 40)), at(c2)}, 1, "does not exist in repo own"},
		{"no labels of this mapping", []map[string]string{{"other": "x"}, at(c1)}, 1, "unable to get image commit info"},
		{"none suitable", []map[string]string{at(o1)}, -1, "is not an ancestor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gitmap.SelectAncestor(ctx, ms, tt.candidates)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			ok, reason, err := gitmap.Suitable(ctx, ms, tt.candidates[0])
			require.NoError(t, err)
			assert.Equal(t, tt.reason == "", ok)
			assert.Contains(t, reason, tt.reason)
		})
	}

	// WERF_DISABLE_GIT_COMMIT_ANCESTRY_CHECK: any commit the repository has.
	m = openLocal(t, r, config.GitMapping{Add: "/", To: "/app"}, func(o *gitmap.Options) { o.DisableAncestryCheck = true })
	got, err := gitmap.SelectAncestor(ctx, []*gitmap.Mapping{m}, []map[string]string{at(strings.Repeat("a", 40)), at(o1)})
	require.NoError(t, err)
	assert.Equal(t, 1, got)
}

// Under virtual merge the merged commit is what ancestry is checked against.
func TestSelectAncestorUnderVirtualMerge(t *testing.T) {
	r, into, from, _ := mergeRepo(t)
	ctx := context.Background()
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"}, withVirtualMerge)
	ms := []*gitmap.Mapping{m}
	// into is on main, not an ancestor of the feature commit.
	got, err := gitmap.SelectAncestor(ctx, ms, []map[string]string{m.Labels(gitmap.CommitInfo{Commit: into}), m.Labels(gitmap.CommitInfo{Commit: from})})
	require.NoError(t, err)
	assert.Equal(t, 1, got)
}
