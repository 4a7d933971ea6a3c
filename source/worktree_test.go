package source_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The working tree taken as a virtual commit must hash exactly as `git add -A` and
// `git write-tree` would, and leave the repository untouched.
func TestWorktreeMatchesGitAddAll(t *testing.T) {
	sub := gittest.New(t)
	sub.CommitFiles(map[string]string{"lib.txt": "lib v1\n"})

	r := gittest.New(t)
	r.WriteFiles(map[string]string{
		".gitignore":         "*.log\n/build/\n!keep.log\n",
		"app/main.go":        "package main\n",
		"app/unchanged.txt":  "same\n",
		"app/deleted.txt":    "bye\n",
		"build/tracked.txt":  "tracked in an ignored dir\n",
		"docs/.gitignore":    "draft-*\n",
		"docs/guide.md":      "guide\n",
		"modified.txt":       "v1\n",
		"empty/.gitkeep":     "",
		"mode/script.sh":     "#!/bin/sh\n",
		"nested/deep/a/b.go": "package b\n",
	})
	r.Git("add", "-f", "build/tracked.txt")
	r.Git("submodule", "add", "-q", sub.Dir, "vendor/sub")
	r.Commit("initial")

	// Make the working tree differ from HEAD in every way git add -A cares about.
	time.Sleep(10 * time.Millisecond) // let mtimes move past the index's
	r.Write("modified.txt", "v2, longer\n")
	r.Remove("app/deleted.txt")
	r.Write("untracked.txt", "new\n")
	r.Write("debug.log", "ignored\n")
	r.Write("keep.log", "negated, kept\n")
	r.Write("build/out.bin", "ignored dir\n")
	r.Write("docs/draft-1.md", "ignored by nested .gitignore\n")
	r.Write("docs/final.md", "kept\n")
	r.WriteMode("mode/new.sh", "#!/bin/sh\n", 0o755)
	require.NoError(t, os.Chmod(r.Path("mode/script.sh"), 0o755))
	r.Symlink("../app/main.go", "links/main.go")
	r.Write("untracked-empty-dir/.placeholder-ignored.log", "")
	require.NoError(t, os.MkdirAll(r.Path("really-empty"), 0o755))
	sub.CommitFiles(map[string]string{"lib.txt": "lib v2\n"})
	r.Git("-C", "vendor/sub", "pull", "-q", "origin", "main")

	indexBefore, err := os.ReadFile(r.Path(".git/index"))
	require.NoError(t, err)

	s, err := source.Open(r.Dir, source.WithWorktree())
	require.NoError(t, err)
	root, err := s.Lookup("")
	require.NoError(t, err)

	indexAfter, err := os.ReadFile(r.Path(".git/index"))
	require.NoError(t, err)
	assert.Equal(t, indexBefore, indexAfter, "the index must not change")

	r.Git("add", "-A")
	assert.Equal(t, r.Git("write-tree"), root.Hash.String())

	data, err := s.ReadFile("untracked.txt")
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(data))
	data, err = s.ReadFile("links/main.go")
	require.NoError(t, err)
	assert.Equal(t, "package main\n", string(data))
}

// Like git, a file whose size and mtime match the index is taken as unchanged and
// not read: rewriting it with same-size content and its old mtime keeps its hash.
func TestWorktreeTrustsIndexStat(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"a.txt": "aaa\n"})
	fi, err := os.Stat(r.Path("a.txt"))
	require.NoError(t, err)
	time.Sleep(10 * time.Millisecond)
	r.Git("update-index", "--refresh") // the index is now newer than the file: not racily clean

	r.Write("a.txt", "bbb\n")
	require.NoError(t, os.Chtimes(r.Path("a.txt"), fi.ModTime(), fi.ModTime()))

	s, err := source.Open(r.Dir, source.WithWorktree())
	require.NoError(t, err)
	e, err := s.Lookup("a.txt")
	require.NoError(t, err)
	assert.Equal(t, r.Git("rev-parse", "HEAD:a.txt"), e.Hash.String())
}
