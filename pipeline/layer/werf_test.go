package layer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// werfBase is the check's base image lbase:1 (without busybox's binary and
// applets), and with more, lbase:2.
func werfBase(t testing.TB, v2 bool) v1.Image {
	es := []entry{
		dir("bin", 0o755, 0, 0), dir("tmp", 0o755, 0, 0), dir("usr", 0o755, 0, 0),
		dir("usr/local", 0o755, 0, 0), dir("usr/local/bin", 0o755, 0, 0), dir("etc", 0o755, 0, 0),
		dir("srv", 0o755, 0, 0), dir("srv/real", 0o755, 0, 0), dir("opt", 0o755, 0, 0),
		dir("opt/existing", 0o700, 1000, 1000), file("opt/existing/old.txt", 0o600, 1000, 1000, "old\n"),
		dir("opt/shared", 0o775, 0, 50), symlink("lnk", "/srv/real"),
		file("etc/passwd", 0o644, 0, 0, "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nweb:x:1001:1002:web:/home/web:/bin/sh\n"),
		file("etc/group", 0o644, 0, 0, "root:x:0:\napp:x:1000:\nweb:x:1002:\nstaff:x:50:\n"),
	}
	if v2 {
		es = append(es,
			dir("data", 0o700, 1000, 1000), file("data/a.txt", 0o600, 1000, 1000, "old a\n"),
			symlink("data/run.sh", "../srv/real/target"), dir("opt/sgid", 0o2775, 0, 50),
			dir("opt/imp", 0o775, 1000, 50), file("opt/imp/file.txt", 0o600, 1000, 1000, "old\n"),
			symlink("opt/implink", "imp"))
	}
	return imageOf(t, es)
}

// werfSource is the check's src/install stage: /out as its shell made it.
func werfSource(t testing.TB) v1.Image {
	return imageOf(t, []entry{dir("etc", 0o755, 0, 0)}, []entry{
		dir("out", 0o755, 0, 0), dir("out/d", 0o750, 0, 0), file("out/d/a.yaml", 0o644, 0, 0, "y\n"),
		file("out/d/b.txt", 0o644, 0, 0, "x\n"), dir("out/d/sub", 0o755, 1001, 1002),
		file("out/d/sub/c.yaml", 0o644, 0, 0, "z\n"), dir("out/d/sub/deep", 0o755, 0, 0),
		file("out/d/sub/deep/e.txt", 0o644, 0, 0, "q\n"), symlink("out/dlnk", "/out/d"),
		dir("out/empty", 0o755, 0, 0), file("out/file.txt", 0o644, 0, 0, "f\n"),
		hardlink("out/hard", "out/file.txt"), symlink("out/lnk", "file.txt"),
		dir("out/open", 0o777, 0, 0), dir("out/open/inner", 0o777, 0, 0),
		file("out/open/inner/i.txt", 0o644, 0, 0, "i\n"), file("out/open/o.txt", 0o644, 0, 0, "o\n"),
		file("out/private", 0o600, 1000, 1002, "p\n"), file("out/setuid", 0o4755, 0, 0, "s\n"),
		dir("out/sticky", 0o1777, 0, 0),
	})
}

// werfProject writes the check's project and its five commits.
func werfProject(t *testing.T) (*gittest.Repo, [5]string) {
	r := gittest.New(t)
	yaml, err := os.ReadFile(filepath.Join("testdata", "werf", "werf.yaml"))
	require.NoError(t, err)
	var c [5]string
	r.Write("werf.yaml", string(yaml))
	r.WriteFiles(map[string]string{
		"src/a.txt": "a\n", "src/mode.txt": "mode\n", "src/tc.txt": "tc\n", "src/space name.txt": "space\n",
		"src/bin.dat": "bin\x00\x01\x02data", "src/sub/s.txt": "s\n", "src/sub/skip.txt": "skip\n",
		"src/sub/deep/x.txt": "x\n", "src/conf/c.yaml": "c: 1\n", "single.conf": "single\n",
	})
	r.WriteMode("src/run.sh", "#!/bin/sh\necho run\n", 0o755)
	r.Symlink("a.txt", "src/link")
	r.Symlink("sub", "src/dirlink")
	c[0] = r.Commit("c1")

	r.Write("src/a.txt", "a2\n")
	r.Write("src/sub/new/n.txt", "n\n")
	r.Remove("src/sub/deep")
	r.Git("mv", "src/conf/c.yaml", "src/conf/d.yaml")
	require.NoError(t, os.Chmod(r.Path("src/run.sh"), 0o644))
	require.NoError(t, os.Chmod(r.Path("src/mode.txt"), 0o755))
	r.Remove("src/tc.txt")
	r.Symlink("a.txt", "src/tc.txt")
	r.Write("src/bin.dat", "bin\x00\x03\x04data2")
	r.Write("single.conf", "single2\n")
	r.Write("src/space name.txt", "space2\n")
	r.Write("src/new.txt", "new\n")
	c[1] = r.Commit("c2")

	r.Remove("src/link")
	r.Symlink("run.sh", "src/link")
	c[2] = r.Commit("c3")

	r.Remove("src/link")
	r.Symlink("a.txt", "src/link")
	c[3] = r.Commit("c4")

	r.Write("src/a.txt", "a5\n")
	r.Write("src/sub/new2/deep/x.txt", "x5\n")
	r.Remove("src/sub/s.txt")
	r.Remove("src/mode.txt")
	r.Remove("src/sub/new")
	r.Write("src/run.sh", "#!/bin/sh\necho run5\n")
	c[4] = r.Commit("c5")
	return r, c
}

// TestWerfObserved makes werf's stages of the check (testdata/werf) again,
// each over the one made before, and compares their filesystems with what
// werf v2.77.1 built.
func TestWerfObserved(t *testing.T) {
	r, c := werfProject(t)
	ctx := context.Background()
	snap := func(commit string) *source.Snapshot {
		s, err := source.Open(r.Dir, source.AtCommit(commit))
		require.NoError(t, err)
		return s
	}
	cfg, err := config.Load(snap(c[0]), config.Options{Pinned: true})
	require.NoError(t, err)
	mappings := func(image, commit string) []*gitmap.Mapping {
		ms, err := gitmap.Open(ctx, cfg.Image(image).Stapel.Git, gitmap.Options{Project: snap(commit), CacheDir: t.TempDir()})
		require.NoError(t, err)
		return ms
	}
	src := werfSource(t)
	imports := func(image string) func(*layer.Builder) error {
		return func(b *layer.Builder) error {
			for _, imp := range cfg.Image(image).Stapel.Imports {
				if err := b.Import(ctx, src, imp); err != nil {
					return err
				}
			}
			return nil
		}
	}
	archive := func(image, commit string) func(*layer.Builder) error {
		return func(b *layer.Builder) error {
			for _, m := range mappings(image, commit) {
				if err := b.GitArchive(ctx, m); err != nil {
					return err
				}
			}
			return nil
		}
	}
	patch := func(image, from, to string) func(*layer.Builder) error {
		return func(b *layer.Builder) error {
			for _, m := range mappings(image, to) {
				if err := b.GitPatch(ctx, m, from); err != nil {
					return err
				}
			}
			return nil
		}
	}
	check := func(t *testing.T, golden string, img v1.Image) {
		t.Helper()
		want, err := os.ReadFile(filepath.Join("testdata", "werf", golden))
		require.NoError(t, err)
		assert.Equal(t, strings.Split(strings.TrimSpace(string(want)), "\n"), listing(t, img), golden)
	}

	t.Run("app", func(t *testing.T) {
		deps := stage(t, werfBase(t, false), imports("app"))
		check(t, "app-deps.txt", deps)
		archived := stage(t, deps, archive("app", c[0]))
		check(t, "app-archive-c1.txt", archived)
		patched := stage(t, archived, patch("app", c[0], c[1]))
		check(t, "app-patch-c1-c2.txt", patched)
		check(t, "app-patch-c1-c5.txt", stage(t, archived, patch("app", c[0], c[4])))

		b := layer.New(patched, layer.WithTempDir(t.TempDir()))
		defer b.Close()
		err := patch("app", c[1], c[2])(b)
		require.Error(t, err, "werf fails to write a retargeted symlink over the old one")
		assert.Contains(t, err.Error(), "symlink run.sh /app/link: file exists")
	})
	t.Run("app2", func(t *testing.T) {
		deps := stage(t, werfBase(t, true), imports("app2"))
		check(t, "app2-deps.txt", deps)
		archived := stage(t, deps, archive("app2", c[3]))
		check(t, "app2-archive-c4.txt", archived)
		check(t, "app2-patch-c4-c5.txt", stage(t, archived, patch("app2", c[3], c[4])))
	})
	t.Run("app3", func(t *testing.T) {
		check(t, "app3-deps.txt", stage(t, werfBase(t, true), imports("app3")))
	})
}
