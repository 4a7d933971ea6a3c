package buildcontext

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The contextAddFiles checksums of werf's legacy e2e suite
// (test/legacy_e2e/suites/build/dockerfile_image/context_test.go): untracked files
// added to `COPY . /app`.
func TestAddFilesChecksum(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		symlinks map[string]string // link → target
		addFiles []string
		want     string
	}{
		{
			name:     "context_add_file",
			files:    map[string]string{"test/contextAddFile": "test\n"},
			addFiles: []string{"test/contextAddFile"},
			want:     "b2dcde4f95360bb2aba537872eabab1fbd9cbf3428f69dfb842a24cdd9cbabdc",
		},
		{
			name:     "context_add_symlinks: links count by their path only",
			files:    map[string]string{"test/file": "test\n"},
			symlinks: map[string]string{"test/symlink": "file", "test/brokenSymlink": "notexistingfile"},
			addFiles: []string{"test/file", "test/symlink", "test/brokenSymlink"},
			want:     "69b950e359ad1ec6c389672e8097449514ee0490d22f71b86ed1dd06952db921",
		},
		{
			name:     "context_add_dir",
			files:    map[string]string{"test/dir/nestedDir/doubleNestedFile": "test\n"},
			addFiles: []string{"test/dir"},
			want:     "94b1c3181ba2d060ec868fecbc3c711ee98a3283292e1bbff235ddab8a1dd0c5",
		},
		{
			name: "context_add_dir_partially: each file once, in werf.yaml's order",
			files: map[string]string{
				"test/dir/nestedDir/doubleNestedDir/tripleNestedFile": "test\n",
				"test/dir/nestedDir/doubleNestedFile":                 "test\n",
				"test/dir/nestedFile":                                 "test\n",
			},
			symlinks: map[string]string{"test/dir/nestedSymlink": "nestedFile"},
			addFiles: []string{"test/dir/nestedDir", "test/dir/nestedDir/doubleNestedFile", "test/dir/nestedFile", "test/dir/nestedSymlink"},
			want:     "bc296560615ab838fd7b8aca1854fe44af9417659e04a2db854a554d6bdcfc35",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			r.CommitFiles(map[string]string{"Dockerfile": "FROM alpine\nCOPY . /app\n"})
			r.WriteFiles(tt.files)
			for link, target := range tt.symlinks {
				r.Symlink(target, link)
			}
			s, err := source.Open(r.Dir)
			require.NoError(t, err)
			c, err := New(s, "", WithAddFiles(tt.addFiles...))
			require.NoError(t, err)

			add, err := c.addFilesChecksum(t.Context(), []string{"."})
			require.NoError(t, err)
			assert.Equal(t, tt.want, add)

			full, err := c.Checksum(t.Context(), []string{"."})
			require.NoError(t, err)
			tree, err := c.lsTree(t.Context(), c.ignoreMatcher())
			require.NoError(t, err)
			assert.Equal(t, sha256Hex(sha256Hex(tree.Checksum())+":::"+tt.want), full)

			none, err := c.addFilesChecksum(t.Context(), []string{"Dockerfile"})
			require.NoError(t, err)
			assert.Empty(t, none, "a COPY that does not take the files adds nothing")
		})
	}
}

// werf matches contextAddFiles against globs based at the context's path from the
// repository root, but with paths from the project directory: a project below the
// root gets no contextAddFiles in its digests. dagwerf keeps werf's tags.
func TestAddFilesInSubdirectoryProjectLikeWerf(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"svc/werf.yaml": "", "svc/Dockerfile": "FROM alpine\n"})
	r.Write("svc/extra.txt", "x")
	s, err := source.Open(r.Path("svc"))
	require.NoError(t, err)
	c, err := New(s, "", WithAddFiles("extra.txt"))
	require.NoError(t, err)
	add, err := c.addFilesChecksum(t.Context(), []string{"."})
	require.NoError(t, err)
	assert.Empty(t, add)
}

func TestAddFilesMissing(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"Dockerfile": "FROM alpine\n"})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	c, err := New(s, "", WithAddFiles("generated.json"))
	require.NoError(t, err)
	_, err = c.Checksum(t.Context(), []string{"."})
	assert.EqualError(t, err, `contextAddFiles: "generated.json" was not found in the working tree (contextAddFiles are relative to the context (the project directory))`)
}

// A committed directory symlink that leads out of the repository never lets
// contextAddFiles read (or export) a file outside it; one that stays inside does.
func TestAddFilesThroughSymlinkedDirectory(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside\n"), 0o644))
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"Dockerfile": "FROM alpine\n", "inside/ok.txt": "inside\n"})
	r.Symlink(outside, "out")
	r.Symlink("inside", "in")
	r.Commit("symlinks")
	s, err := source.Open(r.Dir)
	require.NoError(t, err)

	tests := []struct {
		file    string
		wantErr string
	}{
		{"in/ok.txt", ""},
		{"out/secret.txt", `"out/secret.txt" leads out of the repository through a symlink`},
		{"out", ""}, // the link itself is taken as a link, not followed
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := New(s, "", WithAddFiles(tt.file))
			require.NoError(t, err)
			_, sumErr := c.Checksum(context.Background(), []string{"."})
			exportErr := c.Export(t.TempDir())
			if tt.wantErr == "" {
				assert.NoError(t, sumErr)
				assert.NoError(t, exportErr)
				return
			}
			assert.ErrorContains(t, sumErr, tt.wantErr)
			assert.ErrorContains(t, exportErr, tt.wantErr)
		})
	}
}
