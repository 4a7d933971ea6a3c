package layer_test

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// openMapping opens one mapping of the repository at a commit.
func openMapping(t testing.TB, r *gittest.Repo, commit string, g config.GitMapping) *gitmap.Mapping {
	t.Helper()
	snap, err := source.Open(r.Dir, source.AtCommit(commit))
	require.NoError(t, err)
	ms, err := gitmap.Open(context.Background(), []config.GitMapping{g}, gitmap.Options{Project: snap, CacheDir: t.TempDir()})
	require.NoError(t, err)
	return ms[0]
}

func archiveRepo(t *testing.T) (*gittest.Repo, string) {
	r := gittest.New(t)
	r.WriteFiles(map[string]string{"src/a.txt": "a\n", "src/sub/s.txt": "s\n", "single.conf": "single\n"})
	r.WriteMode("src/run.sh", "run\n", 0o755)
	r.Symlink("a.txt", "src/link")
	return r, r.Commit("c1")
}

// GitArchive puts a mapping's files where werf's extraction puts them, with
// the modes and owners it gives them.
func TestGitArchive(t *testing.T) {
	r, c1 := archiveRepo(t)
	base := werfBase(t, true)
	tests := []struct {
		name string
		g    config.GitMapping
		want map[string]string
	}{
		{
			name: "a directory into a new path: root's, git's modes less the umask",
			g:    config.GitMapping{Add: "/src", To: "/app/x"},
			want: map[string]string{
				"app": "d 0755 0:0", "app/x": "d 0755 0:0", "app/x/a.txt": "f 0644 0:0 a\n",
				"app/x/run.sh": "f 0755 0:0 run\n", "app/x/sub": "d 0755 0:0", "app/x/sub/s.txt": "f 0644 0:0 s\n",
				"app/x/link": "l 0:0 -> a.txt",
			},
		},
		{
			name: "owner and group names: to and below, symlinks too, not the parents of to",
			g:    config.GitMapping{Add: "/src", To: "/app/x", Owner: "app", Group: "staff"},
			want: map[string]string{
				"app": "d 0755 0:0", "app/x": "d 0755 1000:50", "app/x/a.txt": "f 0644 1000:50 a\n",
				"app/x/run.sh": "f 0755 1000:50 run\n", "app/x/sub": "d 0755 1000:50", "app/x/sub/s.txt": "f 0644 1000:50 s\n",
				"app/x/link": "l 1000:50 -> a.txt",
			},
		},
		{
			name: "a group only leaves the owner",
			g:    config.GitMapping{Add: "/src", To: "/app", Group: "1002", IncludePaths: []string{"a.txt"}},
			want: map[string]string{"app": "d 0755 0:1002", "app/a.txt": "f 0644 0:1002 a\n"},
		},
		{
			name: "a directory that is there keeps its mode, and is chowned",
			g:    config.GitMapping{Add: "/src", To: "/opt/existing", Owner: "web", IncludePaths: []string{"a.txt"}},
			want: map[string]string{"opt/existing": "d 0700 1001:1000", "opt/existing/a.txt": "f 0644 1001:0 a\n"},
		},
		{
			name: "files written into files that are there keep their mode and owner, through symlinks",
			g:    config.GitMapping{Add: "/src", To: "/data", IncludePaths: []string{"a.txt", "run.sh"}},
			want: map[string]string{"data/a.txt": "f 0600 1000:1000 a\n", "srv/real/target": "f 0755 0:0 run\n"},
		},
		{
			name: "to through a symlink",
			g:    config.GitMapping{Add: "/src/sub", To: "/lnk/sub"},
			want: map[string]string{"srv/real/sub": "d 0755 0:0", "srv/real/sub/s.txt": "f 0644 0:0 s\n"},
		},
		{
			name: "a set-group-ID directory gives its group and its bit",
			g:    config.GitMapping{Add: "/src", To: "/opt/sgid/app", IncludePaths: []string{"sub"}},
			want: map[string]string{"opt/sgid/app": "d 2755 0:50", "opt/sgid/app/sub": "d 2755 0:50", "opt/sgid/app/sub/s.txt": "f 0644 0:50 s\n"},
		},
		{
			name: "a file replaces what is at to",
			g:    config.GitMapping{Add: "/single.conf", To: "/opt/imp/file.txt"},
			want: map[string]string{"opt/imp/file.txt": "f 0644 0:0 single\n"},
		},
		{
			name: "a file renamed, and the directory of to chowned",
			g:    config.GitMapping{Add: "/single.conf", To: "/opt/existing/app.conf", Owner: "1234"},
			want: map[string]string{"opt/existing": "d 0700 1234:1000", "opt/existing/app.conf": "f 0644 1234:0 single\n"},
		},
		{
			name: "a file through a symlinked directory",
			g:    config.GitMapping{Add: "/single.conf", To: "/opt/implink/s.conf", Owner: "1234", Group: "4321"},
			want: map[string]string{"opt/imp": "d 0775 1234:4321", "opt/imp/s.conf": "f 0644 1234:4321 single\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openMapping(t, r, c1, tt.g)
			img := stage(t, base, func(b *layer.Builder) error { return b.GitArchive(context.Background(), m) })
			assert.Equal(t, tt.want, changes(t, base, img))
		})
	}
}

// Where werf's extraction fails, GitArchive fails.
func TestGitArchiveErrors(t *testing.T) {
	r, c1 := archiveRepo(t)
	tests := []struct {
		name string
		base v1.Image
		g    config.GitMapping
		err  string
	}{
		{
			name: "a symlink over what is there",
			base: imageOf(t, []entry{dir("app", 0o755, 0, 0), file("app/link", 0o644, 0, 0, "x")}),
			g:    config.GitMapping{Add: "/src", To: "/app"},
			err:  "symlink a.txt /app/link: file exists (werf v2.77.1 fails here too",
		},
		{
			name: "an unknown owner",
			base: werfBase(t, false),
			g:    config.GitMapping{Add: "/src", To: "/app", Owner: "nobody"},
			err:  `git mapping to /app: get UID/GID for /app: user "nobody": no such name in /etc/passwd of the image`,
		},
		{
			name: "a file where to goes",
			base: imageOf(t, []entry{file("app", 0o644, 0, 0, "x")}),
			g:    config.GitMapping{Add: "/src", To: "/app"},
			err:  "unable to extract data archive into /app: create dir: mkdir /app: not a directory",
		},
		{
			name: "a directory where a file goes",
			base: imageOf(t, []entry{dir("app", 0o755, 0, 0), dir("app/a.txt", 0o755, 0, 0)}),
			g:    config.GitMapping{Add: "/src", To: "/app"},
			err:  "create file: open /app/a.txt: is a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := layer.New(tt.base, layer.WithTempDir(t.TempDir()))
			defer b.Close()
			err := b.GitArchive(context.Background(), openMapping(t, r, c1, tt.g))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
