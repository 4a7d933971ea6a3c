package source_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestOpenAtCommitAndAncestors(t *testing.T) {
	r := gittest.New(t)
	c1 := r.CommitFiles(map[string]string{"werf.yaml": "one\n"})
	c2 := r.CommitFiles(map[string]string{"werf.yaml": "two\n"})
	r.Git("checkout", "-q", "-b", "side", c1)
	side := r.CommitFiles(map[string]string{"side.txt": "side\n"})
	r.Git("checkout", "-q", "-")
	r.Git("merge", "-q", "--no-edit", "side")
	merge := r.Git("rev-parse", "HEAD")

	old, err := source.Open(r.Dir, source.AtCommit(c1))
	require.NoError(t, err)
	assert.Equal(t, c1, old.Commit())
	data, err := old.ReadFile("werf.yaml")
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(data))

	byBranch, err := source.Open(r.Dir, source.AtCommit("side"))
	require.NoError(t, err)
	assert.Equal(t, side, byBranch.Commit())

	head, err := source.Open(r.Dir)
	require.NoError(t, err)
	assert.Equal(t, merge, head.Commit())
	ancestors, err := head.Ancestors(10)
	require.NoError(t, err)
	assert.Equal(t, []string{c2, side, c1}, ancestors, "parents first, nearest first, each once")
	two, err := head.Ancestors(2)
	require.NoError(t, err)
	assert.Len(t, two, 2)

	_, err = source.Open(r.Dir, source.AtCommit("no-such-branch"))
	assert.ErrorContains(t, err, "commit no-such-branch")
	_, err = source.Open(r.Dir, source.AtCommit(c1), source.WithWorktree())
	assert.Error(t, err)
}
