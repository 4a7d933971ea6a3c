package gitmap_test

import (
	"context"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// archiveFile is what a test checks of a gitmap.File.
type archiveFile struct {
	name    string
	mode    filemode.FileMode
	content string
}

func archiveFiles(t *testing.T, m *gitmap.Mapping) []archiveFile {
	t.Helper()
	files, err := m.ArchiveFiles(context.Background())
	require.NoError(t, err)
	var out []archiveFile
	for _, f := range files {
		b, err := f.Read()
		require.NoError(t, err)
		out = append(out, archiveFile{f.Name, f.Mode, string(b)})
	}
	return out
}

// The archive lists what werf's writeArchive writes: files and symlinks the
// mapping takes, named relative to the path scope, in path order; a mapped
// single file is renamed to the base name of `to`.
func TestArchiveFiles(t *testing.T) {
	r := gittest.New(t)
	r.WriteFiles(map[string]string{
		"src/b.txt": "b\n", "src/a/z.txt": "z\n", "src/a/skip.txt": "skip\n",
		"src/c.yaml": "c\n", "README": "r\n", "single.conf": "single\n",
	})
	r.WriteMode("src/run.sh", "#!/bin/sh\n", 0o755)
	r.Symlink("b.txt", "src/link")
	r.Commit("c1")

	tests := []struct {
		name string
		g    config.GitMapping
		want []archiveFile
	}{
		{
			name: "a directory with include and exclude paths",
			g:    config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"a", "*.txt", "link", "run.sh"}, ExcludePaths: []string{"a/skip.txt"}},
			want: []archiveFile{
				{"a/z.txt", filemode.Regular, "z\n"},
				{"b.txt", filemode.Regular, "b\n"},
				{"link", filemode.Symlink, "b.txt"},
				{"run.sh", filemode.Executable, "#!/bin/sh\n"},
			},
		},
		{
			name: "the whole repository",
			g:    config.GitMapping{Add: "/", To: "/app", IncludePaths: []string{"README", "single.conf"}},
			want: []archiveFile{{"README", filemode.Regular, "r\n"}, {"single.conf", filemode.Regular, "single\n"}},
		},
		{
			name: "a file keeps its name",
			g:    config.GitMapping{Add: "/src/c.yaml", To: "/etc/c.yaml"},
			want: []archiveFile{{"c.yaml", filemode.Regular, "c\n"}},
		},
		{
			name: "a file is renamed to the base of to",
			g:    config.GitMapping{Add: "/single.conf", To: "/etc/app/other.conf"},
			want: []archiveFile{{"other.conf", filemode.Regular, "single\n"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openLocal(t, r, tt.g)
			assert.Equal(t, tt.want, archiveFiles(t, m))
			assert.Equal(t, tt.g.To, m.To())
		})
	}
}

// A submodule's files follow the repository's own, read from the submodule.
func TestArchiveFilesSubmodule(t *testing.T) {
	sub := gittest.New(t)
	sub.CommitFiles(map[string]string{"lib/x.go": "package x\n"})
	r := gittest.New(t)
	r.Write("z.txt", "z\n")
	r.Git("submodule", "add", "-q", sub.Dir, "vendor/sub")
	r.Commit("with a submodule")

	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app", ExcludePaths: []string{".gitmodules"}})
	assert.Equal(t, []archiveFile{
		{"z.txt", filemode.Regular, "z\n"},
		{"vendor/sub/lib/x.go", filemode.Regular, "package x\n"},
	}, archiveFiles(t, m))
}

// A mapping that takes nothing has no archive: werf refuses it.
func TestArchiveFilesEmpty(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"src/a.txt": "a\n"})
	m := openLocal(t, r, config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"*.go"}})
	_, err := m.ArchiveFiles(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"git.add: /src" in werf.yaml matches no files`)
}
