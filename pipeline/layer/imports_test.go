package layer_test

import (
	"context"
	"fmt"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
)

// Import copies what werf's copy-recurse copies, with the modes and owners it
// gives.
func TestImport(t *testing.T) {
	base := werfBase(t, true)
	src := werfSource(t)
	tests := []struct {
		name string
		imp  config.FileImport
		want map[string]string
	}{
		{
			name: "include paths and an owner",
			imp: config.FileImport{Add: "/out", To: "/imp", Owner: "app",
				IncludePaths: []string{"file.txt", "setuid", "private", "lnk", "hard", "d/*.yaml", "open", "sticky", "empty"}},
			want: map[string]string{
				// to is made like the source's directory; a group left unset is the source's.
				"imp": "d 0755 1000:0",
				// Set-ID and sticky bits are not copied; a hard link is a file of its own.
				"imp/file.txt": "f 0644 1000:0 f\n", "imp/setuid": "f 0755 1000:0 s\n", "imp/hard": "f 0644 1000:0 f\n",
				"imp/private": "f 0600 1000:1002 p\n",
				// A symlink belongs to root, whatever is set.
				"imp/lnk": "l 0:0 -> file.txt",
				// Directories on the way to a file taken are made like their sources.
				"imp/d": "d 0750 1000:0", "imp/d/a.yaml": "f 0644 1000:0 y\n",
				// A new directory loses the umask's bits, unless a subdirectory follows it.
				"imp/open": "d 0777 1000:0", "imp/open/inner": "d 0755 1000:0",
				"imp/open/o.txt": "f 0644 1000:0 o\n", "imp/open/inner/i.txt": "f 0644 1000:0 i\n",
				"imp/sticky": "d 0755 1000:0", "imp/empty": "d 0755 1000:0",
			},
		},
		{
			name: "excludePaths do not reach into a directory taken whole",
			imp:  config.FileImport{Add: "/out/d", To: "/imp2", ExcludePaths: []string{"sub/deep"}},
			want: map[string]string{
				"imp2": "d 0750 0:0", "imp2/a.yaml": "f 0644 0:0 y\n", "imp2/b.txt": "f 0644 0:0 x\n",
				"imp2/sub": "d 0755 1001:1002", "imp2/sub/c.yaml": "f 0644 0:0 z\n",
				"imp2/sub/deep": "d 0755 0:0", "imp2/sub/deep/e.txt": "f 0644 0:0 q\n",
			},
		},
		{
			name: "excludePaths of a file of the top directory",
			imp:  config.FileImport{Add: "/out/d", To: "/imp2", ExcludePaths: []string{"b.txt", "sub"}},
			want: map[string]string{"imp2": "d 0750 0:0", "imp2/a.yaml": "f 0644 0:0 y\n"},
		},
		{
			name: "a file into a directory that is there",
			imp:  config.FileImport{Add: "/out/file.txt", To: "/usr/local/bin"},
			want: map[string]string{"usr/local/bin/file.txt": "f 0644 0:0 f\n"},
		},
		{
			name: "a file replaces a file",
			imp:  config.FileImport{Add: "/out/file.txt", To: "/opt/imp/file.txt", Group: "77"},
			want: map[string]string{"opt/imp/file.txt": "f 0644 0:77 f\n"},
		},
		{
			name: "a symlink is copied as the symlink; missing parents are root's",
			imp:  config.FileImport{Add: "/out/dlnk", To: "/x/y/dlnk", Owner: "app", Group: "web"},
			want: map[string]string{"x": "d 0755 0:0", "x/y": "d 0755 0:0", "x/y/dlnk": "l 0:0 -> /out/d"},
		},
		{
			name: "to defaults to add",
			imp:  config.FileImport{Add: "/out/lnk"},
			want: map[string]string{"out": "d 0755 0:0", "out/lnk": "l 0:0 -> file.txt"},
		},
		{
			name: "an empty directory copies nothing: only the parent of to is made",
			imp:  config.FileImport{Add: "/out/empty", To: "/a/b"},
			want: map[string]string{"a": "d 0755 0:0"},
		},
		{
			name: "a directory that is there gets the source's mode and owner",
			imp:  config.FileImport{Add: "/out/d", To: "/opt/existing", IncludePaths: []string{"a.yaml"}},
			want: map[string]string{"opt/existing": "d 0750 0:0", "opt/existing/a.yaml": "f 0644 0:0 y\n"},
		},
		{
			name: "to: / leaves the root as it is",
			imp:  config.FileImport{Add: "/out/d", To: "/", IncludePaths: []string{"a.yaml"}},
			want: map[string]string{"a.yaml": "f 0644 0:0 y\n"},
		},
		{
			name: "a set-group-ID directory gives its bit to new directories",
			imp:  config.FileImport{Add: "/out/open", To: "/opt/sgid/open"},
			want: map[string]string{
				"opt/sgid/open": "d 2755 0:0", "opt/sgid/open/inner": "d 2755 0:0",
				"opt/sgid/open/o.txt": "f 0644 0:0 o\n", "opt/sgid/open/inner/i.txt": "f 0644 0:0 i\n",
			},
		},
		{
			name: "include paths do not take a file add",
			imp:  config.FileImport{Add: "/out/file.txt", To: "/single", IncludePaths: []string{"nothing"}},
			want: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := stage(t, base, func(b *layer.Builder) error { return b.Import(context.Background(), src, tt.imp) })
			assert.Equal(t, tt.want, changes(t, base, img))
		})
	}
}

// The source is found as werf finds it: its parents' symlinks followed inside
// the source image; files replaced or removed by later layers are as the last
// layer leaves them.
func TestImportSource(t *testing.T) {
	src := imageOf(t,
		[]entry{dir("real", 0o755, 0, 0), dir("real/s", 0o755, 0, 0), file("real/s/a", 0o644, 0, 0, "one"),
			file("real/s/gone", 0o644, 0, 0, "x"), dir("real/s/opq", 0o755, 0, 0), file("real/s/opq/old", 0o644, 0, 0, "old"),
			symlink("alias", "/real")},
		[]entry{file("real/s/a", 0o640, 7, 8, "two"), whiteout("real/s/.wh.gone"), whiteout("real/s/opq/.wh..wh..opq"),
			file("real/s/opq/new", 0o644, 0, 0, "new"), fifo("real/s/fifo")},
	)
	var warnings []string
	warn := layer.WithWarnings(func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) })
	base := imageOf(t, []entry{dir("etc", 0o755, 0, 0)})
	img := stage(t, base, func(b *layer.Builder) error {
		return b.Import(context.Background(), src, config.FileImport{Add: "/alias/s", To: "/dst"})
	}, warn)
	assert.Equal(t, map[string]string{
		"dst": "d 0755 0:0", "dst/a": "f 0640 7:8 two", "dst/opq": "d 0755 0:0", "dst/opq/new": "f 0644 0:0 new",
	}, changes(t, base, img))
	assert.Equal(t, []string{`File "/real/s/fifo" is of a type that copying does not support, skipping.` + "\n"}, warnings)
}

// Where werf's copy fails, Import fails, naming the import.
func TestImportErrors(t *testing.T) {
	src := werfSource(t)
	tests := []struct {
		name string
		base v1.Image
		imp  config.FileImport
		err  string
	}{
		{
			name: "add is not in the source",
			base: werfBase(t, false),
			imp:  config.FileImport{Image: "src", Add: "/nothing", To: "/x"},
			err:  "import of /nothing from src to /x: lstat source path: stat /nothing: no such file or directory",
		},
		{
			name: "an unknown owner",
			base: werfBase(t, false),
			imp:  config.FileImport{Image: "src", Add: "/out", To: "/x", Owner: "nobody"},
			err:  `error getting UID/GID: user "nobody": no such name in /etc/passwd of the image`,
		},
		{
			name: "to below a file",
			base: imageOf(t, []entry{file("f", 0o644, 0, 0, "x")}),
			imp:  config.FileImport{Image: "src", Add: "/out/file.txt", To: "/f/x/y"},
			err:  "stat destination path: lstat /f/x: not a directory",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := layer.New(tt.base, layer.WithTempDir(t.TempDir()))
			defer b.Close()
			err := b.Import(context.Background(), src, tt.imp)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
