package layer_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// patchRepo makes c1, and c2 that changes, adds, deletes, renames, chmods
// files and turns a file into a symlink.
func patchRepo(t *testing.T) (r *gittest.Repo, c1, c2 string) {
	r = gittest.New(t)
	r.WriteFiles(map[string]string{
		"src/a.txt": "a\n", "src/mode.txt": "m\n", "src/tc.txt": "tc\n", "src/sub/deep/x.txt": "x\n",
		"src/sub/s.txt": "s\n", "src/conf/c.yaml": "c\n", "single.conf": "single\n",
	})
	r.WriteMode("src/run.sh", "run\n", 0o755)
	r.Write("src/bin.dat", "bin\x00\x01")
	r.Symlink("a.txt", "src/link")
	c1 = r.Commit("c1")
	r.Write("src/a.txt", "a2\n")
	r.Write("src/bin.dat", "bin\x00\x02")
	r.Write("src/sub/new/n.txt", "n\n")
	r.Remove("src/sub/deep")
	r.Git("mv", "src/conf/c.yaml", "src/conf/d.yaml")
	require.NoError(t, os.Chmod(r.Path("src/run.sh"), 0o644))
	require.NoError(t, os.Chmod(r.Path("src/mode.txt"), 0o755))
	r.Remove("src/tc.txt")
	r.Symlink("a.txt", "src/tc.txt")
	r.Write("single.conf", "single2\n")
	return r, c1, r.Commit("c2")
}

// GitPatch applies a patch as werf's Buildah backend does: the archive's
// files the patch names, then the deleted paths removed with the directories
// they leave empty.
func TestGitPatch(t *testing.T) {
	r, c1, c2 := patchRepo(t)
	ctx := context.Background()
	tests := []struct {
		name string
		g    config.GitMapping
		from string
		want map[string]string
	}{
		{
			name: "a directory with an owner",
			g:    config.GitMapping{Add: "/src", To: "/app", Owner: "app"},
			from: c1,
			want: map[string]string{
				"app/a.txt":   "f 0644 1000:0 a2\n",
				"app/bin.dat": "f 0644 1000:0 bin\x00\x02",
				// A new directory is not chowned: the archive's directories
				// are not in the patch.
				"app/sub/new": "d 0755 0:0", "app/sub/new/n.txt": "f 0644 1000:0 n\n",
				// The directories a deletion leaves empty go with it.
				"app/sub/deep": removed, "app/sub/deep/x.txt": removed,
				"app/conf/c.yaml": removed, "app/conf/d.yaml": "f 0644 1000:0 c\n",
				// A type change is a deletion and an addition: removed.
				"app/tc.txt": removed,
				// Mode changes are not applied: run.sh and mode.txt are as they were.
			},
		},
		{
			name: "a single file, renamed",
			g:    config.GitMapping{Add: "/single.conf", To: "/etc/app.conf"},
			from: c1,
			want: map[string]string{"etc/app.conf": "f 0644 0:0 single2\n"},
		},
		{
			name: "nothing changed",
			g:    config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"run.sh", "link"}, Owner: "web"},
			from: c2,
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			archived := stage(t, werfBase(t, false), func(b *layer.Builder) error {
				return b.GitArchive(ctx, openMapping(t, r, c1, tt.g))
			})
			patched := stage(t, archived, func(b *layer.Builder) error {
				return b.GitPatch(ctx, openMapping(t, r, c2, tt.g), tt.from)
			})
			assert.Equal(t, tt.want, changes(t, archived, patched))
		})
	}
}

// A symlink whose target changed cannot be written over the old one: werf
// fails the stage.
func TestGitPatchRetargetedSymlink(t *testing.T) {
	r, c1, _ := patchRepo(t)
	r.Remove("src/link")
	r.Symlink("run.sh", "src/link")
	c3 := r.Commit("c3")
	ctx := context.Background()
	g := config.GitMapping{Add: "/src", To: "/app"}
	archived := stage(t, werfBase(t, false), func(b *layer.Builder) error { return b.GitArchive(ctx, openMapping(t, r, c1, g)) })
	b := layer.New(archived, layer.WithTempDir(t.TempDir()))
	defer b.Close()
	err := b.GitPatch(ctx, openMapping(t, r, c3, g), c1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symlink run.sh /app/link: file exists")
}

// A patch's deletions are applied after every archive of the stage, as werf
// applies them: a file another mapping of the stage writes where a deleted one
// was is removed too.
func TestGitPatchRemovesLast(t *testing.T) {
	r, c1, c2 := patchRepo(t)
	ctx := context.Background()
	g := config.GitMapping{Add: "/src", To: "/app"}
	archived := stage(t, werfBase(t, false), func(b *layer.Builder) error { return b.GitArchive(ctx, openMapping(t, r, c1, g)) })
	patched := stage(t, archived, func(b *layer.Builder) error {
		if err := b.GitPatch(ctx, openMapping(t, r, c2, g), c1); err != nil {
			return err
		}
		// Another mapping brings a file at a deleted path.
		return b.GitArchive(ctx, openMapping(t, r, c2, config.GitMapping{Add: "/single.conf", To: "/app/tc.txt"}))
	})
	got := changes(t, archived, patched)
	assert.Equal(t, removed, got["app/tc.txt"])
}
