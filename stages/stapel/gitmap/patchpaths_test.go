package gitmap_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// PatchPaths lists what werf's patch names: changed, added and deleted files
// relative to the path scope; a deletion (and a type change, which git shows
// as a deletion and an addition) is also a path to remove. A rename is a
// deletion and an addition (werf diffs with diff.renames=false); a mode
// change is a change.
func TestPatchPaths(t *testing.T) {
	r := gittest.New(t)
	r.WriteFiles(map[string]string{
		"src/a.txt": "a\n", "src/gone.txt": "gone\n", "src/old.txt": "old\n",
		"src/tc.txt": "tc\n", "src/mode.txt": "m\n", "other/x.txt": "x\n", "single.conf": "s\n",
	})
	c1 := r.Commit("c1")
	r.Write("src/a.txt", "a2\n")
	r.Remove("src/gone.txt")
	r.Git("mv", "src/old.txt", "src/new.txt")
	r.Remove("src/tc.txt")
	r.Symlink("a.txt", "src/tc.txt")
	require.NoError(t, os.Chmod(r.Path("src/mode.txt"), 0o755))
	r.Write("src/dir/added.txt", "added\n")
	r.Write("other/x.txt", "x2\n")
	r.Write("single.conf", "s2\n")
	r.Commit("c2")
	ctx := context.Background()

	tests := []struct {
		name         string
		g            config.GitMapping
		from         string
		paths, remov []string
	}{
		{
			name:  "a directory",
			g:     config.GitMapping{Add: "/src", To: "/app"},
			from:  c1,
			paths: []string{"a.txt", "dir/added.txt", "gone.txt", "mode.txt", "new.txt", "old.txt", "tc.txt"},
			remov: []string{"gone.txt", "old.txt", "tc.txt"},
		},
		{
			name:  "include paths filter",
			g:     config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"dir"}},
			from:  c1,
			paths: []string{"dir/added.txt"},
		},
		{
			name:  "a file renamed to the base of to",
			g:     config.GitMapping{Add: "/single.conf", To: "/etc/app.conf"},
			from:  c1,
			paths: []string{"app.conf"},
		},
		{
			name: "nothing changed there",
			g:    config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"nothing"}},
			from: c1,
		},
		{
			name: "from the latest commit",
			g:    config.GitMapping{Add: "/src", To: "/app"},
			from: r.Git("rev-parse", "HEAD"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openLocal(t, r, tt.g)
			paths, remove, err := m.PatchPaths(ctx, tt.from)
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.paths, paths)
			assert.ElementsMatch(t, tt.remov, remove)
		})
	}
}
