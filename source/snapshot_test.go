package source_test

import (
	"io/fs"
	"os"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestOpenReadsHeadCommitNotWorkingTree(t *testing.T) {
	r := gittest.New(t)
	commit := r.CommitFiles(map[string]string{"werf.yaml": "committed\n", "app/main.go": "package main\n"})
	r.Write("werf.yaml", "edited\n")
	r.Write("untracked.txt", "new\n")

	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	assert.Equal(t, commit, s.Commit())
	assert.Equal(t, "2024-01-02T03:04:05Z", s.CommitTime().UTC().Format("2006-01-02T15:04:05Z"))

	data, err := s.ReadFile("werf.yaml")
	require.NoError(t, err)
	assert.Equal(t, "committed\n", string(data))

	_, err = s.ReadFile("untracked.txt")
	assert.ErrorIs(t, err, fs.ErrNotExist)

	e, err := s.Lookup("app")
	require.NoError(t, err)
	assert.True(t, e.IsDir())
	assert.Equal(t, r.Git("rev-parse", "HEAD:app"), e.Hash.String())
}

func TestOpenProjectInSubdirectory(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"services/api/werf.yaml": "api\n", "README": "root\n"})

	s, err := source.Open(r.Path("services/api"))
	require.NoError(t, err)
	assert.Equal(t, "services/api", s.ProjectPath())
	assert.Equal(t, r.Dir, s.RepoDir())

	data, err := s.ReadFile("werf.yaml")
	require.NoError(t, err)
	assert.Equal(t, "api\n", string(data))

	_, err = s.ReadFile("../../README")
	assert.ErrorContains(t, err, `path "../../README" leaves the project directory`)

	var seen []string
	require.NoError(t, s.Walk("", func(e source.Entry) error { seen = append(seen, e.Path); return nil }))
	assert.Equal(t, []string{"werf.yaml"}, seen)
}

func TestSymlinks(t *testing.T) {
	r := gittest.New(t)
	r.WriteFiles(map[string]string{"conf/real.yaml": "real\n", "inside/file": "x\n"})
	r.Symlink("real.yaml", "conf/link.yaml")
	r.Symlink("../conf", "dir/conf")
	r.Symlink("../../etc/passwd", "dir/escape")
	r.Symlink("/etc/passwd", "dir/absolute")
	r.Symlink("loop", "loop")
	r.Commit("links")

	s, err := source.Open(r.Dir)
	require.NoError(t, err)

	for _, p := range []string{"conf/link.yaml", "dir/conf/real.yaml", "dir/conf/link.yaml"} {
		data, err := s.ReadFile(p)
		require.NoError(t, err, p)
		assert.Equal(t, "real\n", string(data), p)
	}

	e, err := s.Lookup("conf/link.yaml")
	require.NoError(t, err)
	assert.Equal(t, filemode.Symlink, e.Mode)

	_, err = s.ReadFile("dir/escape")
	assert.ErrorContains(t, err, "points outside the repository")
	_, err = s.ReadFile("dir/absolute")
	assert.ErrorContains(t, err, "points outside the repository")
	_, err = s.ReadFile("loop")
	assert.ErrorContains(t, err, "too many levels of symbolic links")
	_, err = s.ReadFile("conf")
	assert.ErrorContains(t, err, "not a regular file")
}

func TestOpenErrors(t *testing.T) {
	t.Run("not a repository", func(t *testing.T) {
		_, err := source.Open(t.TempDir())
		assert.ErrorContains(t, err, "is not inside a git repository")
	})
	t.Run("no commit", func(t *testing.T) {
		r := gittest.New(t)
		r.Write("werf.yaml", "x")
		_, err := source.Open(r.Dir)
		assert.ErrorContains(t, err, "has no commit yet")

		s, err := source.Open(r.Dir, source.WithWorktree())
		require.NoError(t, err, "--dev works before the first commit")
		assert.Equal(t, "", s.Commit())
		data, err := s.ReadFile("werf.yaml")
		require.NoError(t, err)
		assert.Equal(t, "x", string(data))
	})
}

func TestClean(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: ""},
		{in: ".", want: ""},
		{in: "./a//b/", want: "a/b"},
		{in: "a/../b", want: "b"},
		{in: "..foo", want: "..foo"},
		{in: "..", err: "leaves the project directory"},
		{in: "a/../../b", err: "leaves the project directory"},
		{in: "/etc", err: "is absolute"},
	}
	for _, tt := range tests {
		got, err := source.Clean(tt.in)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestWalkSkipDir(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"a/1": "", "a/b/2": "", "c": "", "d/3": ""})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	var seen []string
	require.NoError(t, s.Walk("", func(e source.Entry) error {
		seen = append(seen, e.Path)
		if e.Path == "a/b" {
			return fs.SkipDir
		}
		return nil
	}))
	assert.Equal(t, []string{"a", "a/1", "a/b", "c", "d", "d/3"}, seen)
}

func TestReadFileOfNonRegularFails(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"a/file": ""})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	_, err = s.Tree("a/file")
	assert.ErrorContains(t, err, "not a directory")
	_, err = os.Stat(r.Path("a/file"))
	require.NoError(t, err)
}

func TestFileState(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"same": "1", "changed": "1", "deleted": "1", "staged": "1", "dir/file": "x"})
	r.Symlink("same", "link")
	r.Commit("link")
	r.Write("changed", "2")
	r.Remove("deleted")
	r.Write("staged", "2")
	r.Git("add", "staged")
	r.Write("new", "1")

	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	tests := []struct {
		path string
		want source.FileState
	}{
		{"same", source.Unchanged},
		{"link", source.Unchanged},
		{"dir", source.Unchanged},
		{"changed", source.Modified},
		{"deleted", source.Modified},
		{"staged", source.Modified},
		{"new", source.Untracked},
		{"nowhere", source.Absent},
		{"same/below-a-file", source.Absent},
	}
	for _, tt := range tests {
		got, err := s.FileState(tt.path)
		require.NoError(t, err, tt.path)
		assert.Equal(t, tt.want, got, tt.path)
	}
}

func TestSubmodule(t *testing.T) {
	sub := gittest.New(t)
	first := sub.CommitFiles(map[string]string{"x": "one\n"})
	sub.CommitFiles(map[string]string{"x": "two\n"})

	r := gittest.New(t)
	r.Git("submodule", "add", "-q", sub.Dir, "vendor/sub")
	r.Git("-C", "vendor/sub", "checkout", "-q", first)
	r.Commit("pin the submodule at its first commit")

	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	link, err := s.Lookup("vendor/sub")
	require.NoError(t, err)
	assert.Equal(t, filemode.Submodule, link.Mode)
	assert.Equal(t, first, link.Hash.String())

	subSnap, err := s.Submodule("vendor/sub", link.Hash)
	require.NoError(t, err)
	data, err := subSnap.ReadFile("x")
	require.NoError(t, err)
	assert.Equal(t, "one\n", string(data))

	r.Remove("vendor/sub")
	_, err = s.Submodule("vendor/sub", link.Hash)
	assert.ErrorContains(t, err, "submodule vendor/sub is not checked out (git submodule update --init)")
}
