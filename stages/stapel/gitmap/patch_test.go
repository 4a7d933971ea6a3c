package gitmap_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// werfPatchC1C3 is the patch real werf v2.77.1 hashed into a gitLatestPatch
// digest (printed with WERF_DEBUG_TRUE_GIT_PATCH=1) for the mapping
// `add: /, to: /app, excludePaths: [werf.yaml]` between the two commits
// patchRepo makes. It keeps werf's quirks: index hashes cut to 8
// characters, a quoted path's "+++" line mangled, the tab git appends to a
// path with a space dropped.
const werfPatchC1C3 = `diff --git a/bin.dat b/bin.dat
new file mode 100644
index 00000000..84c7801c
Binary files /dev/null and b/bin.dat differ
diff --git a/conf/app.yaml b/conf/app.yaml
index a8926a52..b9092c55 100644
--- a/conf/app.yaml
+++ b/conf/app.yaml
@@ -1 +1,2 @@
-a: 1
+a: 2
+b: 3
diff --git a/deps.txt b/deps.txt
old mode 100644
new mode 100755
index 3f9cfafd..0a79f7d9
--- a/deps.txt
+++ b/deps.txt
@@ -1 +1,2 @@
 deps
+deps v2
diff --git a/link.txt b/link.txt
new file mode 120000
index 00000000..c6b24844
--- /dev/null
+++ b/link.txt
@@ -0,0 +1 @@
+deps.txt
\ No newline at end of file
diff --git a/nonl.txt b/nonl.txt
new file mode 100644
index 00000000..20cbb4d8
--- /dev/null
+++ b/nonl.txt
@@ -0,0 +1 @@
+no newline
\ No newline at end of file
diff --git a/notes.txt b/notes.txt
deleted file mode 100644
index bfa65511..00000000
--- a/notes.txt
+++ /dev/null
@@ -1 +0,0 @@
-notes
diff --git a/odd name.txt b/odd name.txt
new file mode 100644
index 00000000..8cc35a3d
--- /dev/null
+++ b/odd name.txt
@@ -0,0 +1 @@
+tab
diff --git "a/quo\"te.txt" "b/quo\"te.txt"
new file mode 100644
index 00000000..bca70f35
--- /dev/null
+++ b/+++ "b/quo\"te.txt"
@@ -0,0 +1 @@
+q
diff --git a/run.sh b/run.sh
new file mode 100755
index 00000000..1a248525
--- /dev/null
+++ b/run.sh
@@ -0,0 +1 @@
+#!/bin/sh
diff --git a/src/main.go b/src/main.go
index 06ab7d0f..38dd16da 100644
--- a/src/main.go
+++ b/src/main.go
@@ -1 +1,3 @@
 package main
+
+func main() {}
diff --git a/src/skip.go b/src/skip.go
index e32e76dd..1338c870 100644
--- a/src/skip.go
+++ b/src/skip.go
@@ -1 +1,2 @@
 skip
+skip2
diff --git a/src/sub/new.go b/src/sub/new.go
new file mode 100644
index 00000000..1dc3d0d9
--- /dev/null
+++ b/src/sub/new.go
@@ -0,0 +1 @@
+package sub
diff --git a/src/sub/x.go b/src/sub/x.go
index 587be6b4..b77b4eb1 100644
--- a/src/sub/x.go
+++ b/src/sub/x.go
@@ -1 +1,2 @@
 x
+y
diff --git "a/ta\tb.txt" "b/ta\tb.txt"
new file mode 100644
index 00000000..718f4d2f
--- /dev/null
+++ b/+++ "b/ta\tb.txt"
@@ -0,0 +1 @@
+t
`

// patchRepo makes the commits of werfPatchC1C3: the first, then the second
// with files added, changed, removed, made executable, binary, a symlink, and
// names git quotes.
func patchRepo(t *testing.T) (r *gittest.Repo, c1, c3 string) {
	r = gittest.New(t)
	c1 = r.CommitFiles(map[string]string{
		"src/main.go": "package main\n", "src/skip.go": "skip\n", "src/sub/x.go": "x\n",
		"notes.txt": "notes\n", "deps.txt": "deps\n", "conf/app.yaml": "a: 1\n",
	})
	r.WriteFiles(map[string]string{
		"deps.txt": "deps\ndeps v2\n", "src/main.go": "package main\n\nfunc main() {}\n", "src/skip.go": "skip\nskip2\n",
		"src/sub/new.go": "package sub\n", "src/sub/x.go": "x\ny\n", "conf/app.yaml": "a: 2\nb: 3\n",
		"odd name.txt": "tab\n", "quo\"te.txt": "q\n", "nonl.txt": "no newline", "ta\tb.txt": "t\n",
	})
	r.WriteMode("run.sh", "#!/bin/sh\n", 0o755)
	require.NoError(t, os.Chmod(r.Path("deps.txt"), 0o755))
	bin := strings.Repeat(string(func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}()), 8) + "\x00"
	r.Write("bin.dat", bin)
	r.Symlink("deps.txt", "link.txt")
	r.Remove("notes.txt")
	c3 = r.Commit("c3")
	return r, c1, c3
}

func TestPatchContentIsWerfs(t *testing.T) {
	r, c1, _ := patchRepo(t)
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app", ExcludePaths: []string{"werf.yaml"}})
	got, err := m.PatchContent(context.Background(), c1)
	require.NoError(t, err)
	assert.Equal(t, werfPatchC1C3, got)
}

// What werf printed for the other two mappings of the same project: a
// directory with include and exclude paths (paths relative to it), and a
// file mapped to another name (werf's file renames).
const (
	werfPatchSrc = `diff --git a/main.go b/main.go
index 06ab7d0f..38dd16da 100644
--- a/main.go
+++ b/main.go
@@ -1 +1,3 @@
 package main
+
+func main() {}
diff --git a/sub/new.go b/sub/new.go
new file mode 100644
index 00000000..1dc3d0d9
--- /dev/null
+++ b/sub/new.go
@@ -0,0 +1 @@
+package sub
diff --git a/sub/x.go b/sub/x.go
index 587be6b4..b77b4eb1 100644
--- a/sub/x.go
+++ b/sub/x.go
@@ -1 +1,2 @@
 x
+y
`
	werfPatchConf = `diff --git a/app.conf b/app.conf
index a8926a52..b9092c55 100644
--- a/app.conf
+++ b/app.conf
@@ -1 +1,2 @@
-a: 1
+a: 2
+b: 3
`
)

func TestPatchOfWerfsMappings(t *testing.T) {
	r, c1, c3 := patchRepo(t)
	tests := []struct {
		name  string
		g     config.GitMapping
		patch string
		// werf's PatchSize, measured as the size of the patch it printed
		// with whole files for context and binary contents.
		size int64
	}{
		{"whole repository", config.GitMapping{Add: "/", To: "/app", ExcludePaths: []string{"werf.yaml"}}, werfPatchC1C3, 2395},
		{"directory with filters", config.GitMapping{Add: "/src", To: "/src", IncludePaths: []string{"*.go", "sub"}, ExcludePaths: []string{"skip.go"}}, werfPatchSrc, 393},
		{"renamed file", config.GitMapping{Add: "/conf/app.yaml", To: "/etc/app.conf"}, werfPatchConf, 127},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			m := openLocal(t, r, tt.g)
			got, err := m.PatchContent(ctx, c1)
			require.NoError(t, err)
			assert.Equal(t, tt.patch, got)

			size, err := m.PatchSize(ctx, c1)
			require.NoError(t, err)
			assert.Equal(t, tt.size, size)

			empty, err := m.IsPatchEmpty(ctx, c1)
			require.NoError(t, err)
			assert.False(t, empty)

			// From the latest commit there is nothing to patch.
			got, err = m.PatchContent(ctx, c3)
			require.NoError(t, err)
			assert.Empty(t, got)
			size, err = m.PatchSize(ctx, c3)
			require.NoError(t, err)
			assert.Zero(t, size)
			empty, err = m.IsPatchEmpty(ctx, c3)
			require.NoError(t, err)
			assert.True(t, empty)
		})
	}
}

// shortIndex is werf's rewrite of git's index lines: hashes cut to 8
// characters.
var shortIndex = regexp.MustCompile(`(?m)^index ([0-9a-f]{8})[0-9a-f]{32}\.\.([0-9a-f]{8})[0-9a-f]{32}`)

// For a mapping of the whole repository, the patch is git's own output with
// werf's options, byte for byte, but for the shortened index lines.
func TestPatchIsGitDiffWithWerfsOptions(t *testing.T) {
	r := gittest.New(t)
	from := r.CommitFiles(map[string]string{"a.txt": "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n", "dir/b.txt": "b\n", "gone.txt": "x\n"})
	r.WriteFiles(map[string]string{"a.txt": "one\ntwo\nthree\nfour\nFIVE\nsix\nseven\neight\n", "dir/c.bin": "\x00\x01\x02binary", "dir/b.txt": "b\nb\n"})
	r.Remove("gone.txt")
	to := r.Commit("change")
	m := openLocal(t, r, config.GitMapping{Add: "/", To: "/app"})
	ctx := context.Background()

	// pkg/true_git/patch.go writePatch, without and with
	// WithEntireFileContext and WithBinary.
	common := []string{"-c", "core.autocrlf=false", "-c", "gc.auto=0", "-c", "commit.gpgsign=false", "-c", "core.untrackedCache=false",
		"-c", "core.splitIndex=false", "-c", "diff.renames=false", "-c", "core.quotePath=false"}
	plain := gitOut(t, r.Dir, append(common, "diff", "--full-index", "--submodule=log", from, to)...)
	full := gitOut(t, r.Dir, append(common, "-c", "diff.context=999999999", "diff", "--full-index", "--submodule=log", "--binary", from, to)...)

	got, err := m.PatchContent(ctx, from)
	require.NoError(t, err)
	assert.Equal(t, shortIndex.ReplaceAllString(plain, "index $1..$2"), got)
	assert.Contains(t, got, "index 00000000..")

	size, err := m.PatchSize(ctx, from)
	require.NoError(t, err)
	assert.Equal(t, int64(len(shortIndex.ReplaceAllString(full, "index $1..$2"))), size)
	assert.Contains(t, full, "GIT binary patch")
}

func TestIsPatchEmpty(t *testing.T) {
	r := gittest.New(t)
	base := r.CommitFiles(map[string]string{"app/main.go": "package main\n", "app/skip.txt": "s\n", "docs/readme": "r\n"})
	tests := []struct {
		name  string
		edit  map[string]string
		empty bool
	}{
		{"a file outside add", map[string]string{"docs/readme": "changed\n"}, true},
		{"an excluded file", map[string]string{"app/skip.txt": "changed\n"}, true},
		{"a mapped file", map[string]string{"app/main.go": "package main // changed\n"}, false},
		{"a new mapped file", map[string]string{"app/new.go": "package main\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.Git("checkout", "-q", "--detach", base)
			r.WriteFiles(tt.edit)
			r.Commit(tt.name)
			m := openLocal(t, r, config.GitMapping{Add: "/app", To: "/app", ExcludePaths: []string{"*.txt"}})
			ctx := context.Background()
			empty, err := m.IsPatchEmpty(ctx, base)
			require.NoError(t, err)
			assert.Equal(t, tt.empty, empty)
			content, err := m.PatchContent(ctx, base)
			require.NoError(t, err)
			assert.Equal(t, tt.empty, content == "", content)
			size, err := m.PatchSize(ctx, base)
			require.NoError(t, err)
			assert.Equal(t, tt.empty, size == 0)
		})
	}
}
