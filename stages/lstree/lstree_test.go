package lstree_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/lstree"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// fixture is a repository with a directory, a file whose name sorts between
// that directory's path and its entries' in git's tree order, a directory
// symlink, and a submodule that has a submodule of its own.
type fixture struct {
	main, sub, inner *gittest.Repo
	snap             *source.Snapshot
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	inner := gittest.New(t)
	inner.CommitFiles(map[string]string{"z.go": "package z\n"})
	sub := gittest.New(t)
	sub.WriteFiles(map[string]string{"s.go": "package s\n", "t/u.txt": "u\n"})
	sub.Git("submodule", "add", "-q", inner.Dir, "inner")
	sub.Commit("with inner")
	r := gittest.New(t)
	r.WriteFiles(map[string]string{"a/x.go": "package a\n", "a/y.txt": "y\n", "a-b": "ab\n", "d/e/f.txt": "f\n"})
	r.Symlink("d", "ln")
	r.Git("submodule", "add", "-q", sub.Dir, "sub")
	r.Git("submodule", "update", "-q", "--init", "--recursive")
	r.Commit("fixture")
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	return &fixture{main: r, sub: sub, inner: inner, snap: snap}
}

// obj is "mode hash" of a path's entry at HEAD as git lists it ("" is the
// root tree).
func obj(r *gittest.Repo, path string) string {
	if path == "" {
		return "040000 " + r.Git("rev-parse", "HEAD^{tree}")
	}
	return r.Git("ls-tree", "HEAD", "--", path)[:6] + " " + r.Git("rev-parse", "HEAD:"+path)
}

// flat lists a result in its Range order: "path mode hash", a submodule's
// entries between "path{" and "}".
func flat(t *testing.T, res *lstree.Result) []string {
	t.Helper()
	var out []string
	var walk func(r *lstree.Result)
	walk = func(r *lstree.Result) {
		for _, e := range r.Entries {
			out = append(out, fmt.Sprintf("%s %06o %s", e.Path, uint32(e.Mode), e.Hash))
		}
		for _, s := range r.Submodules {
			out = append(out, s.Path+"{")
			walk(s.Result)
			out = append(out, "}")
		}
	}
	res.Checksum() // sorts, as Range does
	walk(res)
	return out
}

func TestWalk(t *testing.T) {
	f := newFixture(t)
	at := func(r *gittest.Repo, prefix, path string) string {
		p := path
		if prefix != "" {
			p = prefix + "/" + path
		}
		return p + " " + obj(r, path)
	}
	tests := []struct {
		name  string
		scope string
		m     pathmatch.Matcher
		opts  lstree.Options
		want  []string
	}{
		{"the root taken whole is its tree", "", nil, lstree.Options{}, []string{at(f.main, "", "")}},
		{"dot is the root", ".", nil, lstree.Options{}, []string{at(f.main, "", "")}},
		{"a directory taken whole is its tree", "a", nil, lstree.Options{}, []string{at(f.main, "", "a")}},
		{"AllFiles lists its files", "a", nil, lstree.Options{AllFiles: true},
			[]string{at(f.main, "", "a/x.go"), at(f.main, "", "a/y.txt")}},
		{"a file scope", "a/x.go", nil, lstree.Options{}, []string{at(f.main, "", "a/x.go")}},
		{"globs enter directories and submodules", "", pathmatch.Include("**/*.go"), lstree.Options{},
			[]string{at(f.main, "", "a/x.go"), "sub{", at(f.sub, "sub", "s.go"), "sub/inner{", at(f.inner, "sub/inner", "z.go"), "}", "}"}},
		{"a submodule taken whole is its commit", "sub", nil, lstree.Options{}, []string{at(f.main, "", "sub")}},
		{"AllFiles enters submodules", "sub", nil, lstree.Options{AllFiles: true},
			[]string{"sub{", at(f.sub, "sub", ".gitmodules"), at(f.sub, "sub", "s.go"), at(f.sub, "sub", "t/u.txt"), "sub/inner{", at(f.inner, "sub/inner", "z.go"), "}", "}"}},
		{"a scope inside a submodule", "sub/t", nil, lstree.Options{}, []string{"sub{", at(f.sub, "sub", "t"), "}"}},
		{"a scope inside a submodule's submodule", "sub/inner/z.go", nil, lstree.Options{},
			[]string{"sub{", "sub/inner{", at(f.inner, "sub/inner", "z.go"), "}", "}"}},
		// werf's lsTreeSubmoduleEntryMatch keeps a submodule's result only when
		// it took entries of the submodule's own, so werf's checksum here is "".
		{"a submodule that took only in its own submodule is left out", "", pathmatch.Include("sub/inner/z.go"), lstree.Options{}, nil},
		{"a submodule with nothing taken is left out", "", pathmatch.Include("a/*.go", "sub/t/*.go"), lstree.Options{},
			[]string{at(f.main, "", "a/x.go")}},
		{"a symlink scope is the link", "ln", nil, lstree.Options{}, []string{at(f.main, "", "ln")}},
		{"a scope through a symlink is empty", "ln/e", nil, lstree.Options{}, nil},
		{"a scope through a file is empty", "a-b/x", nil, lstree.Options{}, nil},
		{"a missing scope is empty", "nope/x", nil, lstree.Options{}, nil},
		{"the matcher is seen within the scope", "d", pathmatch.Include("a"), lstree.Options{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lstree.Walk(t.Context(), f.snap, tt.scope, tt.m, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, flat(t, res))
			assert.Equal(t, len(tt.want) == 0, res.Empty())
		})
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// werf's Result.Checksum: object hashes in order of the paths as strings (a
// taken directory "a" before "a-b", though git's tree order puts "a-b" before
// "a/"), then each submodule's own checksum.
func TestChecksum(t *testing.T) {
	f := newFixture(t)
	hash := func(r *gittest.Repo, p string) string { return r.Git("rev-parse", "HEAD:"+p) }
	tests := []struct {
		name string
		m    pathmatch.Matcher
		want string
	}{
		{"path order, not tree order", pathmatch.Include("a-b", "a"), sha(hash(f.main, "a") + hash(f.main, "a-b"))},
		{"submodules after the entries", pathmatch.Include("sub/s.go", "a-b"),
			sha(hash(f.main, "a-b") + sha(hash(f.sub, "s.go")))},
		{"a submodule's submodules after its entries", pathmatch.Include("sub/inner/z.go", "sub/t/u.txt"),
			sha(sha(hash(f.sub, "t/u.txt") + sha(hash(f.inner, "z.go"))))},
		{"nothing taken", pathmatch.Include("nope"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lstree.Walk(t.Context(), f.snap, "", tt.m, lstree.Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Checksum())
		})
	}
}

// Checksums werf v2.77.1 itself gave (ls_tree.LsTree, then Result.Checksum, run
// on a repository with the same files, submodules and contents) for a scope
// and include globs seen from it.
func TestChecksumWerfValues(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		scope string
		globs []string
		want  string
	}{
		{"", []string{"**/*.go"}, "eb037e147ca0e6334aa6ae2697dc169504baa74abef95e9e1317f058b2ae6312"},
		{"", []string{"sub/s.go", "sub/inner/z.go"}, "ab6daa7f35f4a1ace5dbed22b12efd97f4c9f3200f5e3b2eac9ae4046a7d3f65"},
		{"sub/t", nil, "95f1d04ee4aca91f406ea2e0a42dd27951db96e55996d405a111dd764e8b0009"},
		{"sub/inner/z.go", nil, "3a96e28cba47f72d0f89907b39662789408e8c4156957b5883a513673729074f"},
		{"ln/e", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+fmt.Sprint(tt.globs), func(t *testing.T) {
			m, err := pathmatch.New(tt.scope, tt.globs, nil)
			require.NoError(t, err)
			res, err := lstree.Walk(t.Context(), f.snap, tt.scope, m, lstree.Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, res.Checksum())
		})
	}
}

// Range gives each entry with the snapshot its object is in.
func TestRange(t *testing.T) {
	f := newFixture(t)
	res, err := lstree.Walk(t.Context(), f.snap, "", pathmatch.Include("**/*.go", "a-b"), lstree.Options{})
	require.NoError(t, err)
	var got []string
	require.NoError(t, res.Range(f.snap, func(e lstree.Entry, s *source.Snapshot) error {
		b, err := s.ReadBlob(e.Hash)
		if err != nil {
			return err
		}
		got = append(got, e.Path+": "+string(b))
		return nil
	}))
	assert.Equal(t, []string{"a-b: ab\n", "a/x.go: package a\n", "sub/s.go: package s\n", "sub/inner/z.go: package z\n"}, got)
}

func TestWalkStopsWhenCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := lstree.Walk(ctx, f.snap, "", pathmatch.Include("**/*.go"), lstree.Options{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestEntryAt(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		rel    string
		ok     bool
		path   string
		object string // "mode hash" as git lists it
	}{
		{"", true, "", obj(f.main, "")},
		{"a", true, "a", obj(f.main, "a")},
		{"ln", true, "ln", obj(f.main, "ln")},
		{"sub", true, "sub", obj(f.main, "sub")},
		{"sub/t/u.txt", true, "t/u.txt", obj(f.sub, "t/u.txt")},
		{"sub/inner/z.go", true, "z.go", obj(f.inner, "z.go")},
		{"ln/e", false, "", ""},
		{"nope", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			e, ok, err := lstree.EntryAt(f.snap, tt.rel)
			require.NoError(t, err)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.path, e.Path)
				assert.Equal(t, tt.object, fmt.Sprintf("%06o %s", uint32(e.Mode), e.Hash))
			}
		})
	}
}
