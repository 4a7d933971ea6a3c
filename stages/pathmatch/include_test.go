package pathmatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Ported from werf v2.77.1 pkg/path_matcher/include_test.go.
func TestIncludeWerfTable(t *testing.T) {
	tests := []struct {
		name  string
		globs []string
		path  string
		want  verdict
	}{
		{"empty include globs list: empty test path", nil, "", verdict{true, false, true}},
		{"empty test path (1)", []string{""}, "", verdict{true, false, true}},
		{"empty test path (2)", []string{"dir"}, "", verdict{false, true, true}},
		{"matched test path (1)", []string{"dir"}, "dir", verdict{true, false, true}},
		{"matched test path (2)", []string{"dir"}, "dir/any", verdict{true, false, true}},
		{"not matched test path (1)", []string{"dir1"}, "dir2", verdict{false, false, false}},
		{"not matched test path (2)", []string{"dir/file"}, "dir", verdict{false, true, true}},
		{"glob completion (1)", []string{"a"}, "a/b/c/d", verdict{true, false, true}},
		{"glob completion (2)", []string{"a/*/*/**/*"}, "a/d/c/d", verdict{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, pathmatch.Include(tt.globs...), tt.path, tt.want)
		})
	}
}

// Ported from werf v2.77.1 pkg/path_matcher/common_test.go (TestIsPathMatched),
// which checks one glob's match through the three forms werf tries.
func TestIncludeWerfGlobForms(t *testing.T) {
	tests := []struct {
		name, path, glob string
		want             bool
	}{
		{"exact match with special character", "usr/bin/[", `usr/bin/\[`, true},
		{"file exists under glob with wildcard", "usr/bin/falco", "usr/bin/**", true},
		{"file not matching unrelated glob", "etc/falco", "usr/bin/*", false},
		{"deep path under glob", "usr/share/falco/plugins/libcontainer.so", "usr/share/**", true},
		{"root lib64 path", "lib64", "lib64", true},
		{"deep path with fallback form", "usr/bin/falco", "usr/bin", true},
		{"glob with multiple patterns", "images/img/Dockerfile", "images/*/{Dockerfile,werf.inc.yaml}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pathmatch.Include(tt.glob).Match(tt.path))
		})
	}
}

// The rules of memo §5.3 that werf's own tables do not pin down.
func TestIncludeRules(t *testing.T) {
	tests := []struct {
		name  string
		globs []string
		path  string
		want  verdict
	}{
		// Trailing star components are trimmed, so the directory itself is taken whole.
		{"dir/* takes dir", []string{"src/*"}, "src", verdict{true, false, true}},
		{"dir/** takes dir", []string{"src/**"}, "src", verdict{true, false, true}},
		{"dir/*/** takes dir", []string{"src/*/**"}, "src", verdict{true, false, true}},
		{"*.go is not trimmed", []string{"*.go"}, "src", verdict{false, false, false}},
		{"*.go takes a root file", []string{"*.go"}, "a.go", verdict{true, false, true}},
		{"*.go does not reach below the root", []string{"*.go"}, "src/a.go", verdict{false, false, false}},
		{"src/*.go enters src", []string{"src/*.go"}, "src", verdict{false, true, true}},
		{"src/*.go takes src/a.go", []string{"src/*.go"}, "src/a.go", verdict{true, false, true}},
		{"src/*.go skips src/sub", []string{"src/*.go"}, "src/sub", verdict{false, false, false}},
		{"src/*.go skips src/sub/c.go", []string{"src/*.go"}, "src/sub/c.go", verdict{false, false, false}},
		// Universal globs take everything, the root included, and enter nothing.
		{". takes the root", []string{"."}, "", verdict{true, false, true}},
		{". takes anything", []string{"."}, "a/b", verdict{true, false, true}},
		{"/ takes anything", []string{"/"}, "a/b", verdict{true, false, true}},
		{"* takes the root", []string{"*"}, "", verdict{true, false, true}},
		{"* takes anything", []string{"*"}, "a/b/c", verdict{true, false, true}},
		{"** takes anything", []string{"**"}, "a/b/c", verdict{true, false, true}},
		{"*/** is universal", []string{"*/**"}, "a", verdict{true, false, true}},
		{"a universal glob stops every descent", []string{"src/*.go", "."}, "src", verdict{true, false, true}},
		// A first component with ** keeps the whole glob in progress.
		{"**/*.go enters any dir", []string{"**/*.go"}, "app", verdict{false, true, true}},
		{"**/*.go enters deep dirs", []string{"**/*.go"}, "a/b/c", verdict{false, true, true}},
		{"**/*.go takes deep files", []string{"**/*.go"}, "a/b/c.go", verdict{true, true, true}},
		{"**/x enters x, never done", []string{"**/x"}, "x", verdict{true, true, true}},
		{"a**b keeps itself", []string{"a**b/c"}, "axb", verdict{false, true, true}},
		// A glob still in progress wins over one that already took the directory.
		{"overlap enters src", []string{"src/sub", "src"}, "src", verdict{true, true, true}},
		{"overlap takes src/sub whole", []string{"src/sub", "src"}, "src/sub", verdict{true, false, true}},
		{"remaining stars end the descent", []string{"src/*", "src/sub/x"}, "src", verdict{true, false, true}},
		// Spellings are cleaned.
		{"./src", []string{"./src"}, "src", verdict{true, false, true}},
		{"src/", []string{"src/"}, "src/a", verdict{true, false, true}},
		{"path spelled ./", []string{"src"}, "./src/", verdict{true, false, true}},
		{"root spelled .", []string{"src"}, ".", verdict{false, true, true}},
		{"root spelled /", []string{"src"}, "/", verdict{false, true, true}},
		{"parent components never match", []string{"../x"}, "x", verdict{false, false, false}},
		{"escaped slash is no separator", []string{`a\/b`}, "a", verdict{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, pathmatch.Include(tt.globs...), tt.path, tt.want)
		})
	}
}

func TestIncludeMalformed(t *testing.T) {
	for _, glob := range []string{"a[b", "src/[", "a{b", `a\`, "[/[ab]", "x/{a,b"} {
		t.Run(glob, func(t *testing.T) {
			_, err := pathmatch.IncludeChecked("ok", glob)
			require.Error(t, err)
			assert.Contains(t, err.Error(), glob)

			// Unchecked, a malformed glob never panics; where doublestar cannot
			// parse it, it takes nothing. ("[/[ab]" parses as a whole, a class,
			// but not component by component, which is how werf descends.)
			m := pathmatch.Include(glob)
			for _, p := range []string{"", "a", "a[b", "src", "src/x", "x/a"} {
				assert.NotPanics(t, func() {
					if glob != "[/[ab]" {
						assert.False(t, m.Match(p), "Match(%q)", p)
					}
					m.Descend(p)
				})
			}
		})
	}
	for _, glob := range []string{`usr/bin/\[`, "file[1].txt", "{a,b}/c", "https:/example.com/x.tar.gz", "*", ""} {
		_, err := pathmatch.IncludeChecked(glob)
		assert.NoError(t, err, glob)
	}
}
