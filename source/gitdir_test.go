package source_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestOpenGitDirReadsCommitsOfABareRepository(t *testing.T) {
	r := gittest.New(t)
	first := r.CommitFiles(map[string]string{"a/file": "one\n", "README": "root\n"})
	r.Git("tag", "v1")
	second := r.CommitFiles(map[string]string{"a/file": "two\n"})

	bare := filepath.Join(t.TempDir(), "mirror.git")
	r.Git("clone", "-q", "--bare", r.Dir, bare)

	tests := []struct {
		rev, commit, content string
	}{
		{rev: second, commit: second, content: "two\n"},
		{rev: first[:12], commit: first, content: "one\n"},
		{rev: "main", commit: second, content: "two\n"},
		{rev: "v1", commit: first, content: "one\n"},
	}
	for _, tt := range tests {
		s, err := source.OpenGitDir(bare, tt.rev)
		require.NoError(t, err, tt.rev)
		assert.Equal(t, tt.commit, s.Commit(), tt.rev)
		assert.Equal(t, "", s.ProjectPath(), tt.rev)
		assert.Equal(t, bare, s.RepoDir(), tt.rev)
		data, err := s.ReadFile("a/file")
		require.NoError(t, err, tt.rev)
		assert.Equal(t, tt.content, string(data), tt.rev)
		e, err := s.Lookup("a")
		require.NoError(t, err, tt.rev)
		assert.Equal(t, r.Git("rev-parse", tt.commit+":a"), e.Hash.String(), tt.rev)
	}
}

func TestOpenGitDirErrors(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"f": "x\n"})

	_, err := source.OpenGitDir(t.TempDir(), "HEAD")
	assert.ErrorContains(t, err, "is not a git repository")

	_, err = source.OpenGitDir(r.Path(".git"), "no-such-branch")
	assert.ErrorContains(t, err, "commit no-such-branch in")

	_, err = source.OpenGitDir(r.Path(".git"), "")
	assert.ErrorContains(t, err, "no commit given")
}
