package buildcontext_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
)

// listTree lists a directory's files as path → content (symlinks as "-> target").
func listTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		info, _ := os.Lstat(p)
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			out[rel] = string(data)
			if info.Mode()&0o100 != 0 {
				out[rel] += " (x)"
			}
		}
		return nil
	}))
	return out
}

func TestExport(t *testing.T) {
	r := fixture(t)
	r.Write("docs/.dockerignore", "")
	r.Write(".dockerignore", "docs\n*.md\n!README.md\n")
	r.Commit("dockerignore")
	r.Write("generated.json", "{}")       // contextAddFiles, from the working tree
	r.Write("src/a.go", "uncommitted\n")  // the commit's content is exported
	r.Write("untracked.txt", "not there") // not in the commit

	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	c, err := buildcontext.New(s, "", buildcontext.WithDockerignore(".dockerignore", []byte("docs\n*.md\n!README.md\n"), "Dockerfile"), buildcontext.WithAddFiles("generated.json"))
	require.NoError(t, err)
	dst := t.TempDir()
	require.NoError(t, c.Export(dst))
	assert.Equal(t, map[string]string{
		".dockerignore":  "docs\n*.md\n!README.md\n",
		"Dockerfile":     "FROM alpine\nCOPY . /app\n",
		"README.md":      "# readme\n",
		"app/Dockerfile": "FROM alpine\n",
		"app/x":          "x\n",
		"link":           "-> src/a.go",
		"run.sh":         "#!/bin/sh\n (x)",
		"src/a.go":       "package a\n",
		"src/b.txt":      "b\n",
		"src/sub/c.go":   "deep\n",
		"generated.json": "{}",
	}, listTree(t, dst))

	sub, err := buildcontext.New(s, "app")
	require.NoError(t, err)
	subDst := t.TempDir()
	require.NoError(t, sub.Export(subDst))
	assert.Equal(t, map[string]string{"Dockerfile": "FROM alpine\n", "x": "x\n"}, listTree(t, subDst))
}

func TestUncommitted(t *testing.T) {
	r := fixture(t)
	r.Write(".dockerignore", "docs\n")
	r.Commit("dockerignore")
	r.Write("src/a.go", "changed\n")     // taken by COPY src
	r.Write("src/new.go", "untracked\n") // taken by COPY src
	r.Remove("src/b.txt")                // taken, deleted
	r.Write("README.md", "changed\n")    // not taken by the sources
	r.Write("docs/d.md", "changed\n")    // ignored
	r.Write("extra.txt", "add file\n")   // contextAddFiles

	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	wt, err := source.Open(r.Dir, source.WithWorktree())
	require.NoError(t, err)
	c, err := buildcontext.New(s, "", buildcontext.WithDockerignore(".dockerignore", []byte("docs\n"), "Dockerfile"), buildcontext.WithAddFiles("extra.txt"))
	require.NoError(t, err)

	files, err := c.Uncommitted(t.Context(), wt, []string{"src", "docs", "extra.txt"})
	require.NoError(t, err)
	assert.Equal(t, []string{"src/a.go", "src/b.txt", "src/new.go"}, files)

	files, err = c.Uncommitted(t.Context(), wt, []string{"app"})
	require.NoError(t, err)
	assert.Empty(t, files)
}
