package source_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The references werf's cleanup scans (git_history_based_cleanup/
// reference_to_scan.go): origin's remote branches and the tags; not local
// branches, other remotes or origin/HEAD. A branch counts from its head
// commit's committer time, an annotated tag from its tagger time, a
// lightweight tag from its commit's.
func TestHistoryReferences(t *testing.T) {
	r := gittest.New(t)
	r.WithOrigin()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	c1 := r.CommitAt("c1", t0)
	c2 := r.CommitAt("c2", t0.Add(time.Hour))
	r.Git("push", "-q", "origin", "main")
	r.Git("checkout", "-q", "-b", "feature")
	f1 := r.CommitAt("f1", t0.Add(2*time.Hour))
	r.Git("push", "-q", "origin", "feature")
	r.Git("checkout", "-q", "-b", "local-only")
	r.CommitAt("l1", t0.Add(3*time.Hour))
	r.GitAt(t0.Add(5*time.Hour), "tag", "-a", "-m", "release", "v1", c1)
	r.Git("tag", "light", c2)
	r.Git("remote", "add", "fork", r.Dir)
	r.Git("fetch", "-q", "fork")
	r.Git("remote", "set-head", "origin", "main")

	h, err := source.OpenHistory(filepath.Join(r.Dir))
	require.NoError(t, err)
	refs, err := h.References()
	require.NoError(t, err)
	slices.SortFunc(refs, func(a, b source.Reference) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	want := []source.Reference{
		{Name: "light", Tag: true, Commit: c2, Time: t0.Add(time.Hour)},
		{Name: "origin/feature", Commit: f1, Time: t0.Add(2 * time.Hour)},
		{Name: "origin/main", Commit: c2, Time: t0.Add(time.Hour)},
		{Name: "v1", Tag: true, Commit: c1, Time: t0.Add(5 * time.Hour)},
	}
	require.Len(t, refs, len(want))
	for i := range want {
		assert.Equal(t, want[i].Name, refs[i].Name)
		assert.Equal(t, want[i].Tag, refs[i].Tag, want[i].Name)
		assert.Equal(t, want[i].Commit, refs[i].Commit, want[i].Name)
		assert.True(t, want[i].Time.Equal(refs[i].Time), "%s: %s, want %s", want[i].Name, refs[i].Time, want[i].Time)
	}
	assert.Equal(t, "feature", refs[1].Branch())

	c, err := h.Commit(f1)
	require.NoError(t, err)
	assert.Equal(t, []string{c2}, c.Parents)
	for _, tt := range []struct {
		hash string
		has  bool
	}{{c1, true}, {"0123456789012345678901234567890123456789", false}, {"not-a-hash", false}} {
		has, err := h.HasCommit(tt.hash)
		require.NoError(t, err)
		assert.Equal(t, tt.has, has, tt.hash)
	}

	shallow, err := h.Shallow()
	require.NoError(t, err)
	assert.False(t, shallow)
}

func TestHistoryShallowClone(t *testing.T) {
	r := gittest.New(t)
	for i := range 3 {
		r.CommitAt("c", time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC))
	}
	clone := gittest.New(t)
	clone.Git("fetch", "-q", "--depth", "1", "file://"+r.Dir, "main:refs/remotes/origin/main")
	h, err := source.OpenHistory(clone.Dir)
	require.NoError(t, err)
	shallow, err := h.Shallow()
	require.NoError(t, err)
	assert.True(t, shallow)
}

// FetchOrigin brings branches and tags origin has and drops those it no
// longer has, as `werf cleanup` does first.
func TestFetchOrigin(t *testing.T) {
	r := gittest.New(t)
	origin := r.WithOrigin()
	r.Commit("c1")
	r.Git("push", "-q", "origin", "main")
	r.Git("checkout", "-q", "-b", "gone")
	r.Git("push", "-q", "origin", "gone")

	// Another clone pushes a branch and a tag, and deletes "gone".
	other := gittest.New(t)
	other.Git("remote", "add", "origin", origin)
	other.Git("fetch", "-q", "origin")
	other.Git("checkout", "-q", "-b", "new", "origin/main")
	other.Commit("n1")
	other.Git("tag", "v9")
	other.Git("push", "-q", "origin", "new", "v9")
	other.Git("push", "-q", "origin", "--delete", "gone")

	require.NoError(t, source.FetchOrigin(context.Background(), r.Dir))
	h, err := source.OpenHistory(r.Dir)
	require.NoError(t, err)
	refs, err := h.References()
	require.NoError(t, err)
	var names []string
	for _, ref := range refs {
		names = append(names, ref.Name)
	}
	assert.ElementsMatch(t, []string{"origin/main", "origin/new", "v9"}, names)
}
