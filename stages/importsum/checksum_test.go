package importsum_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/importsum"
)

// Written out with md5sum in a shell, not with this package's helpers:
//
//	b1946ac92492d2347c6235b4d2611184  /app/a      (md5 of "hello\n")
//	591785b794601e212b260e25925636fd  /app/b/c    (md5 of "world\n")
//
// and the MD5 of those two lines.
func TestChecksumByHand(t *testing.T) {
	img := imageOf(t, []entry{dir("app/"), file("app/a", "hello\n"), dir("app/b/"), file("app/b/c", "world\n"), dir("app/empty/")})
	got, err := importsum.Checksum(context.Background(), img, importsum.Spec{Add: "/app"})
	require.NoError(t, err)
	assert.Equal(t, "3e1785b6a48b5f01d86105f7e703939e", got)
}

func TestChecksum(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]entry
		spec   importsum.Spec
		want   string
	}{
		{
			name:   "files in path order, directories not hashed",
			layers: [][]entry{{dir("app/"), file("app/z", "z"), dir("app/d/"), file("app/d/y", "y"), file("app/a", "a"), dir("app/empty/")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"a", "/app/a"}, line{"y", "/app/d/y"}, line{"z", "/app/z"}),
		},
		{
			// werf sorts whole paths bytewise: "-" (0x2d) before "/" (0x2f).
			name:   "bytewise order of paths",
			layers: [][]entry{{file("app/a/b", "1"), file("app/a-b", "2"), file("app/a.b", "3"), file("app/B", "4")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"4", "/app/B"}, line{"2", "/app/a-b"}, line{"3", "/app/a.b"}, line{"1", "/app/a/b"}),
		},
		{
			name:   "archive names with ./ and without directory entries",
			layers: [][]entry{{file("./app/x/y", "y"), file("/app/top", "t")}},
			spec:   importsum.Spec{Add: "/app/"},
			want:   expect(line{"t", "/app/top"}, line{"y", "/app/x/y"}),
		},
		{
			name:   "only empty directories",
			layers: [][]entry{{dir("app/"), dir("app/a/"), dir("app/a/b/")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   importsum.NothingChecksum,
		},
		{
			name:   "a symlink is hashed by its target and not followed",
			layers: [][]entry{{file("data/f", "data"), symlink("app/link", "../data"), symlink("app/abs", "/data/f"), symlink("app/dangling", "nowhere")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"/data/f", "/app/abs"}, line{"nowhere", "/app/dangling"}, line{"../data", "/app/link"}),
		},
		{
			name:   "add is a symlink: the symlink itself",
			layers: [][]entry{{file("data/f", "data"), symlink("app", "/data")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"/data", "/app"}),
		},
		{
			name:   "add is a file",
			layers: [][]entry{{file("app/bin/tool", "tool"), file("app/bin/other", "other")}},
			spec:   importsum.Spec{Add: "/app/bin/tool"},
			want:   expect(line{"tool", "/app/bin/tool"}),
		},
		{
			name:   "add is a file that the include globs do not take",
			layers: [][]entry{{file("app/tool", "tool")}},
			spec:   importsum.Spec{Add: "/app/tool", IncludePaths: []string{"*.txt"}},
			want:   importsum.NothingChecksum,
		},
		{
			// The parents of add are resolved in the image; paths keep add's spelling.
			name:   "add below a relative symlink",
			layers: [][]entry{{file("data/sub/x", "x"), file("data/other", "o"), symlink("link", "data")}},
			spec:   importsum.Spec{Add: "/link/sub"},
			want:   expect(line{"x", "/link/sub/x"}),
		},
		{
			name:   "add below an absolute symlink, through ..",
			layers: [][]entry{{file("usr/lib/pkg/x", "x"), symlink("lib", "/usr/lib"), symlink("usr/lib/pkg/up", "..")}},
			spec:   importsum.Spec{Add: "/lib/pkg"},
			want:   expect(line{"..", "/lib/pkg/up"}, line{"x", "/lib/pkg/x"}),
		},
		{
			name:   "add below a nested absolute symlink",
			layers: [][]entry{{file("srv/releases/v2/bin/run", "v2"), file("opt/app/srv/releases/v2/bin/run", "decoy"), symlink("opt/app/current", "/srv/releases/v2")}},
			spec:   importsum.Spec{Add: "/opt/app/current/bin"},
			want:   expect(line{"v2", "/opt/app/current/bin/run"}),
		},
		{
			name:   "whiteout of a file",
			layers: [][]entry{{file("app/a", "a"), file("app/b", "b")}, {whiteout("app/.wh.a")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"b", "/app/b"}),
		},
		{
			name:   "whiteout of a directory",
			layers: [][]entry{{file("app/d/x", "x"), file("app/d/y", "y"), file("app/keep", "k")}, {whiteout("app/.wh.d")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"k", "/app/keep"}),
		},
		{
			name:   "whiteout then the same name again in a later layer",
			layers: [][]entry{{file("app/a", "one")}, {whiteout("app/.wh.a")}, {file("app/a", "three")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"three", "/app/a"}),
		},
		{
			// The marker hides the layers below only, wherever it is in the archive.
			name: "opaque directory",
			layers: [][]entry{
				{file("app/d/x", "x"), file("app/d/sub/y", "y"), file("app/e", "e")},
				{file("app/d/before", "b"), opaque("app/d"), file("app/d/sub/z", "z")},
			},
			spec: importsum.Spec{Add: "/app"},
			want: expect(line{"b", "/app/d/before"}, line{"z", "/app/d/sub/z"}, line{"e", "/app/e"}),
		},
		{
			name:   "opaque directory that was not there",
			layers: [][]entry{{file("app/x", "x")}, {opaque("app/new")}},
			spec:   importsum.Spec{Add: "/app/new"},
			want:   importsum.NothingChecksum,
		},
		{
			name:   "a file replaced by a later layer",
			layers: [][]entry{{file("app/a", "one"), file("app/b", "b")}, {file("app/a", "two")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"two", "/app/a"}, line{"b", "/app/b"}),
		},
		{
			name:   "the last entry of a path within one layer wins",
			layers: [][]entry{{file("app/a", "one"), file("app/a", "two")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"two", "/app/a"}),
		},
		{
			name:   "a directory replaced by a file and a symlink by a directory",
			layers: [][]entry{{file("app/d/x", "x"), symlink("app/s", "/etc")}, {file("app/d", "now a file"), file("app/s/y", "y")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"now a file", "/app/d"}, line{"y", "/app/s/y"}),
		},
		{
			name:   "a directory in a later layer merges with the one below",
			layers: [][]entry{{file("app/d/x", "x")}, {dir("app/d/"), file("app/d/y", "y")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"x", "/app/d/x"}, line{"y", "/app/d/y"}),
		},
		{
			name:   "hard link within a layer",
			layers: [][]entry{{file("app/a", "content"), hardlink("app/h", "app/a")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"content", "/app/a"}, line{"content", "/app/h"}),
		},
		{
			// The target lies outside add, so it is not hashed on the first reading.
			name:   "hard link to a file outside add",
			layers: [][]entry{{file("usr/bin/tool", "tool"), hardlink("app/tool", "./usr/bin/tool")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"tool", "/app/tool"}),
		},
		{
			name:   "hard link keeps the content its target had",
			layers: [][]entry{{file("app/a", "old"), hardlink("app/h", "app/a")}, {file("app/a", "new")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"new", "/app/a"}, line{"old", "/app/h"}),
		},
		{
			name:   "include globs",
			layers: [][]entry{{file("app/a.txt", "a"), file("app/b.bin", "b"), file("app/sub/c.txt", "c"), file("app/sub/deep/d", "d"), file("app/other/e", "e")}},
			spec:   importsum.Spec{Add: "/app", IncludePaths: []string{"*.txt", "sub"}},
			want:   expect(line{"a", "/app/a.txt"}, line{"c", "/app/sub/c.txt"}, line{"d", "/app/sub/deep/d"}),
		},
		{
			name:   "exclude globs drop whole directories",
			layers: [][]entry{{file("app/keep", "k"), file("app/cache/x", "x"), file("app/cache/deep/y", "y"), file("app/src/a.log", "l"), file("app/src/a.go", "g")}},
			spec:   importsum.Spec{Add: "/app", ExcludePaths: []string{"cache", "**/*.log"}},
			want:   expect(line{"k", "/app/keep"}, line{"g", "/app/src/a.go"}),
		},
		{
			name:   "include and exclude together",
			layers: [][]entry{{file("app/src/a.go", "a"), file("app/src/gen/b.go", "b"), file("app/src/c.txt", "c"), file("app/doc/d.go", "d")}},
			spec:   importsum.Spec{Add: "/app", IncludePaths: []string{"src/**/*.go"}, ExcludePaths: []string{"src/gen"}},
			want:   expect(line{"a", "/app/src/a.go"}),
		},
		{
			name:   "add / with include paths",
			layers: [][]entry{{file("etc/conf", "c"), file("usr/bin/x", "x"), file("opt/y", "y")}},
			spec:   importsum.Spec{Add: "/", IncludePaths: []string{"etc", "opt"}},
			want:   expect(line{"c", "/etc/conf"}, line{"y", "/opt/y"}),
		},
		{
			name:   "opaque root",
			layers: [][]entry{{file("app/a", "a"), file("app/b", "b")}, {opaque(""), file("app/c", "c")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   expect(line{"c", "/app/c"}),
		},
		{
			name:   "a FIFO that is not taken does not matter",
			layers: [][]entry{{file("app/a", "a"), fifo("app/run/pipe")}},
			spec:   importsum.Spec{Add: "/app", ExcludePaths: []string{"run"}},
			want:   expect(line{"a", "/app/a"}),
		},
		{
			name:   "AUFS metadata is ignored",
			layers: [][]entry{{file("app/a", "a"), dir(".wh..wh.plnk/"), file(".wh..wh.plnk/1.2", "x"), file("app/.wh..wh.aufs", "")}},
			spec:   importsum.Spec{Add: "/"},
			want:   expect(line{"a", "/app/a"}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := importsum.Checksum(context.Background(), imageOf(t, tt.layers...), tt.spec)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChecksumErrors(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]entry
		spec   importsum.Spec
		is     error
		want   string
	}{
		{
			name:   "add missing",
			layers: [][]entry{{file("app/a", "a")}},
			spec:   importsum.Spec{Add: "/nope"},
			is:     importsum.ErrAddNotFound,
			want:   "import of /nope",
		},
		{
			name:   "add whited out",
			layers: [][]entry{{file("app/a", "a")}, {whiteout(".wh.app")}},
			spec:   importsum.Spec{Add: "/app"},
			is:     importsum.ErrAddNotFound,
		},
		{
			name:   "add below a file",
			layers: [][]entry{{file("app", "a file")}},
			spec:   importsum.Spec{Add: "/app/x"},
			is:     importsum.ErrAddNotFound,
		},
		{
			name:   "symlink loop in add's parents",
			layers: [][]entry{{symlink("a", "b"), symlink("b", "a")}},
			spec:   importsum.Spec{Add: "/a/x"},
			want:   "too many levels of symbolic links",
		},
		{
			name:   "a FIFO taken",
			layers: [][]entry{{fifo("app/pipe")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   "/app/pipe is a device or a FIFO",
		},
		{
			name:   "hard link to nothing",
			layers: [][]entry{{hardlink("app/h", "app/missing")}},
			spec:   importsum.Spec{Add: "/app"},
			want:   "hard link app/h: its target app/missing",
		},
		{
			name:   "malformed glob",
			layers: [][]entry{{file("app/a", "a")}},
			spec:   importsum.Spec{Add: "/app", IncludePaths: []string{"[a"}},
			want:   `glob "[a" is malformed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importsum.Checksum(context.Background(), imageOf(t, tt.layers...), tt.spec)
			require.Error(t, err)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestChecksumCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := importsum.Checksum(ctx, imageOf(t, []entry{file("app/a", "a")}), importsum.Spec{Add: "/app"})
	assert.ErrorIs(t, err, context.Canceled)
}
