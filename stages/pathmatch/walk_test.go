package pathmatch_test

import (
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// fakeTree is a git tree as directory → entries in git order; a name ending in
// "/" is a directory.
type fakeTree map[string][]string

// memoRepo is the synthetic repository of memo §8.6, optionally with a
// committed .dockerignore at the root.
func memoRepo(withDockerignore bool) fakeTree {
	root := []string{"Dockerfile", "README.md", "app/", "docs/", "link", "run.sh", "src/"}
	if withDockerignore {
		root = append([]string{".dockerignore"}, root...)
	}
	return fakeTree{
		"":        root,
		"app":     {"Dockerfile", "x"},
		"docs":    {"d.md"},
		"src":     {"a.go", "b.txt", "sub/"},
		"src/sub": {"c.go"},
	}
}

// walk lists what werf's ls-tree takes (memo §5.4, AllFiles=false): a directory
// is entered when Descend, else taken whole ("dir/", the root as "./") when
// Match; a file is taken when Match. scope is the context directory; a
// non-root scope starts at that entry, as werf's FindEntry does.
func walk(tree fakeTree, scope string, m pathmatch.Matcher) []string {
	if scope != "" {
		// ls_tree puts Base(scope) in front of the caller's matcher.
		m = pathmatch.All(pathmatch.Base(scope, nil), m)
	}
	var taken []string
	var dir func(p string)
	dir = func(p string) {
		switch {
		case m.Descend(p):
			for _, name := range tree[p] {
				child := path.Join(p, strings.TrimSuffix(name, "/"))
				if strings.HasSuffix(name, "/") {
					dir(child)
				} else if m.Match(child) {
					taken = append(taken, child)
				}
			}
		case m.Match(p):
			if p == "" {
				taken = append(taken, "./")
			} else {
				taken = append(taken, p+"/")
			}
		}
	}
	dir(scope)
	return taken
}

// normalizeSource is werf's spelling rule for COPY/ADD sources (memo §5.1).
func normalizeSource(s string) string {
	c := path.Clean(s)
	if c == "/" {
		c = "."
	}
	return strings.TrimPrefix(c, "/")
}

// contextMatchers builds the matcher werf hands to ls-tree for a COPY/ADD
// (memo §5.1, §5.2: All(Base(ctx, dockerignore), New(ctx, globs, nil)), with the
// automatic exception for the Dockerfile) and the shorter New(ctx, globs,
// dockerignore), which must take the same entries.
func contextMatchers(t *testing.T, ctx, dockerfile string, sources []string, dockerignore []string) (werfs, ours pathmatch.Matcher) {
	t.Helper()
	var globs []string
	for _, s := range sources {
		globs = append(globs, normalizeSource(s))
	}
	include := mustNew(t, ctx, globs, nil)
	if dockerignore == nil {
		return include, include
	}
	di := mustDockerignore(t, dockerignore...)
	if !pathmatch.Base(ctx, di).Match(path.Join(ctx, dockerfile)) {
		di = mustDockerignore(t, append(dockerignore, "!"+dockerfile)...)
	}
	return pathmatch.All(pathmatch.Base(ctx, di), include), mustNew(t, ctx, globs, di)
}

// The ls-tree cases of memo §8.6, entry lists only.
func TestWalkMemoCases(t *testing.T) {
	tests := []struct {
		id           string
		sources      []string
		dockerignore string // file content; "" with hasIgnore=false means no file
		hasIgnore    bool
		ctx          string
		want         []string
	}{
		{id: "S0 .", sources: []string{"."}, want: []string{"./"}},
		{id: "S0 /", sources: []string{"/"}, want: []string{"./"}},
		{id: "S0 *", sources: []string{"*"}, want: []string{"./"}},
		{id: "S0 heredoc-only", sources: nil, want: []string{"./"}},
		{id: "S1 src", sources: []string{"src"}, want: []string{"src/"}},
		{id: "S1 src/", sources: []string{"src/"}, want: []string{"src/"}},
		{id: "S1 ./src", sources: []string{"./src"}, want: []string{"src/"}},
		{id: "S1 /src/", sources: []string{"/src/"}, want: []string{"src/"}},
		{id: "S1 src/*", sources: []string{"src/*"}, want: []string{"src/"}},
		{id: "S1 src/**", sources: []string{"src/**"}, want: []string{"src/"}},
		{id: "S1 s*", sources: []string{"s*"}, want: []string{"src/"}},
		{id: "S2 src/*.go", sources: []string{"src/*.go"}, want: []string{"src/a.go"}},
		{id: "S2 src/sub/../a.go", sources: []string{"src/sub/../a.go"}, want: []string{"src/a.go"}},
		{id: "S3 *.go", sources: []string{"*.go"}, want: nil},
		{id: "S3 nonexistent", sources: []string{"nonexistent"}, want: nil},
		{id: "S3 url", sources: []string{"https://example.com/file.tar.gz"}, want: nil},
		{id: "S3 all three", sources: []string{"*.go", "nonexistent", "https://example.com/file.tar.gz"}, want: nil},
		{id: "S4 **/*.go", sources: []string{"**/*.go"}, want: []string{"src/a.go", "src/sub/c.go"}},
		{id: "S5 link", sources: []string{"link"}, want: []string{"link"}},
		{id: "S6 src README.md", sources: []string{"src", "README.md"}, want: []string{"README.md", "src/"}},
		{id: "S-overlap", sources: []string{"src/sub", "src"}, want: []string{"src/a.go", "src/b.txt", "src/sub/"}},
		{id: "S7 run.sh", sources: []string{"run.sh"}, want: []string{"run.sh"}},
		{id: "S8 app app/x", sources: []string{"app", "app/x"}, want: []string{"app/Dockerfile", "app/x"}},

		{id: "D1 *.md", sources: []string{"."}, dockerignore: "*.md\n", hasIgnore: true,
			want: []string{".dockerignore", "Dockerfile", "app/", "docs/", "link", "run.sh", "src/"}},
		{id: "D2 **/*.md", sources: []string{"."}, dockerignore: "**/*.md\n", hasIgnore: true,
			want: []string{".dockerignore", "Dockerfile", "app/Dockerfile", "app/x", "link", "run.sh", "src/a.go", "src/b.txt", "src/sub/c.go"}},
		{id: "D3 src !src/a.go", sources: []string{"."}, dockerignore: "src\n!src/a.go\n", hasIgnore: true,
			want: []string{".dockerignore", "Dockerfile", "README.md", "app/", "docs/", "link", "run.sh", "src/a.go"}},
		{id: "D4 Dockerfile", sources: []string{"."}, dockerignore: "Dockerfile\n", hasIgnore: true,
			want: []string{".dockerignore", "Dockerfile", "README.md", "app/", "docs/", "link", "run.sh", "src/"}},
		{id: "D5 * !src", sources: []string{"."}, dockerignore: "*\n!src\n", hasIgnore: true,
			want: []string{"Dockerfile", "src/"}},
		{id: "D6 src/sub with COPY src", sources: []string{"src"}, dockerignore: "src/sub\n", hasIgnore: true,
			want: []string{"src/a.go", "src/b.txt"}},
		{id: "D7 empty file", sources: []string{"."}, dockerignore: "", hasIgnore: true,
			want: []string{"./"}},
		{id: "D8 context app", sources: []string{"."}, ctx: "app",
			want: []string{"app/"}},
		{id: "D9 .dockerignore", sources: []string{"."}, dockerignore: ".dockerignore\n", hasIgnore: true,
			want: []string{"Dockerfile", "README.md", "app/", "docs/", "link", "run.sh", "src/"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			var patterns []string
			if tt.hasIgnore {
				var err error
				patterns, err = pathmatch.ReadDockerignore(strings.NewReader(tt.dockerignore))
				require.NoError(t, err)
			}
			tree := memoRepo(tt.hasIgnore)
			werfs, ours := contextMatchers(t, tt.ctx, "Dockerfile", tt.sources, patterns)
			assert.Equal(t, tt.want, walk(tree, tt.ctx, werfs))
			assert.Equal(t, tt.want, walk(tree, tt.ctx, ours), "New(ctx, globs, dockerignore)")
		})
	}
}
