package pathmatch_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

func mustDockerignore(t *testing.T, patterns ...string) pathmatch.Matcher {
	t.Helper()
	m, err := pathmatch.Dockerignore(patterns)
	require.NoError(t, err)
	return m
}

// Ported from werf v2.77.1 pkg/path_matcher/dockerfile_ignore_test.go.
func TestDockerignoreWerfTable(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		path     string
		want     verdict
	}{
		{"empty pattern matcher: empty test path", []string{}, "", verdict{true, false, true}},
		{"empty pattern matcher: any test path", []string{}, "any", verdict{true, false, true}},
		{"empty test path (1)", []string{"*"}, "", verdict{false, true, true}},
		{"empty test path (2)", []string{"any"}, "", verdict{true, true, true}},
		{"matched test path (1)", []string{"dir1"}, "dir2", verdict{true, false, true}},
		{"matched test path (1), exception", []string{"dir", "!dir/file"}, "dir/file", verdict{true, false, true}},
		{"not matched test path (1)", []string{"dir"}, "dir", verdict{false, false, false}},
		{"not matched test path (1), below", []string{"dir"}, "dir/file", verdict{false, false, false}},
		{"not matched test path (2)", []string{"dir", "!dir/file"}, "dir", verdict{false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, mustDockerignore(t, tt.patterns...), tt.path, tt.want)
		})
	}
}

// The rules of memo §5.3 for .dockerignore that werf's table does not pin down.
func TestDockerignoreRules(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		path     string
		want     verdict
	}{
		// patternmatcher's deprecated Matches looks at one parent prefix only: the
		// one with as many components as the pattern.
		{"*.md misses docs/d.md", []string{"*.md"}, "docs/d.md", verdict{true, false, true}},
		{"*.md takes README.md", []string{"*.md"}, "README.md", verdict{false, false, false}},
		{"a catches a/b/c", []string{"a"}, "a/b/c", verdict{false, false, false}},
		{"a/b catches a/b/c/d", []string{"a/b"}, "a/b/c/d", verdict{false, false, false}},
		{"b misses a/b/c", []string{"b"}, "a/b/c", verdict{true, false, true}},
		{"**/*.md catches deep files", []string{"**/*.md"}, "a/b/c.md", verdict{false, true, true}},
		{"**/*.md enters everything", []string{"**/*.md"}, "src/sub", verdict{true, true, true}},
		{"* ignores the root", []string{"*"}, "", verdict{false, true, true}},
		{"** ignores the root", []string{"**"}, "", verdict{false, true, true}},
		// The last pattern matched or in progress decides on entering; "!" is not looked at.
		{"exception later enters", []string{"src", "!src/a.go"}, "src", verdict{false, true, true}},
		{"exception earlier does not", []string{"!src/a.go", "src"}, "src", verdict{false, false, false}},
		{"in-progress then matched", []string{"src/sub", "src"}, "src", verdict{false, false, false}},
		{"matched then in-progress", []string{"src", "src/sub"}, "src", verdict{false, true, true}},
		{"exception takes a dir back", []string{"*", "!src"}, "src", verdict{true, false, true}},
		{"exception takes a file back", []string{"*", "!Dockerfile"}, "Dockerfile", verdict{true, false, true}},
		{"other root entries stay ignored", []string{"*", "!src"}, "app", verdict{false, false, false}},
		{"dropped patterns change nothing", []string{"src/sub", "docs"}, "src", verdict{true, true, true}},
		{"matched below stays matched", []string{"src"}, "src/sub/x", verdict{false, false, false}},
		{"spelled with ./", []string{"src"}, "./src", verdict{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, mustDockerignore(t, tt.patterns...), tt.path, tt.want)
		})
	}
}

func TestDockerignoreErrors(t *testing.T) {
	tests := []struct{ pattern, why string }{
		{"!", "patternmatcher rejects a lone !"},
		{"a[", "filepath.Match rejects it"},
		{"[z-a]", "its regular expression does not compile"},
		{"a*/[", "its regular expression does not compile (filepath.Match misses it)"},
		{"{a", "doublestar cannot parse it (werf panics)"},
		{"src/{a", "doublestar cannot parse a component (werf panics)"},
		{"!{a", "the same for an exception"},
		{".", "no components (werf panics)"},
		{"/", "no components (werf panics)"},
		{"a/..", "cleans to ."},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := pathmatch.Dockerignore([]string{"ok", tt.pattern, "[also bad"})
			require.Error(t, err, tt.why)
			var bad *pathmatch.PatternError
			require.ErrorAs(t, err, &bad)
			assert.Equal(t, 1, bad.Index, "the first bad pattern")
			assert.Equal(t, tt.pattern, bad.Pattern)
			assert.Contains(t, err.Error(), fmt.Sprintf("pattern %q: ", tt.pattern))
		})
	}
	for _, ok := range []string{"{a,b}", "!!x", `\!x`, "a]", "[ab]", "file[1].txt"} {
		_, err := pathmatch.Dockerignore([]string{ok})
		assert.NoError(t, err, ok)
	}
}

func TestReadDockerignoreLines(t *testing.T) {
	content := "\xEF\xBB\xBF*.md\r\n# comment\n  # not a comment  \n\n/abs/path\n!/inverted\n\t! spaced \nsrc/../x\n./y/"
	lines, err := pathmatch.ReadDockerignoreLines(".dockerignore", []byte(content))
	require.NoError(t, err)
	assert.Equal(t, []pathmatch.DockerignoreLine{
		{Pattern: "*.md", Text: "*.md", Line: 1},
		{Pattern: "# not a comment", Text: "# not a comment", Line: 3},
		{Pattern: "abs/path", Text: "/abs/path", Line: 5},
		{Pattern: "!inverted", Text: "!/inverted", Line: 6},
		{Pattern: "!spaced", Text: "! spaced", Line: 7},
		{Pattern: "x", Text: "src/../x", Line: 8},
		{Pattern: "y", Text: "./y/", Line: 9},
	}, lines)

	lines, err = pathmatch.ReadDockerignoreLines(".dockerignore", []byte("# only a comment\n\n"))
	require.NoError(t, err)
	assert.Empty(t, lines)

	_, err = pathmatch.ReadDockerignoreLines("sub/.dockerignore", []byte("a\n\n"+strings.Repeat("x", 1<<16)))
	assert.EqualError(t, err, "sub/.dockerignore:3: the line is longer than the 65535 bytes a .dockerignore line may have")
}

func TestReadDockerignore(t *testing.T) {
	content := "\xEF\xBB\xBF*.md\n# comment\n  # not a comment  \n\n/abs/path\n!/inverted\n! spaced \nsrc/../x\n./y/\n"
	patterns, err := pathmatch.ReadDockerignore(strings.NewReader(content))
	require.NoError(t, err)
	assert.Equal(t, []string{"*.md", "# not a comment", "abs/path", "!inverted", "!spaced", "x", "y"}, patterns)

	patterns, err = pathmatch.ReadDockerignore(strings.NewReader(""))
	require.NoError(t, err)
	assert.Nil(t, patterns, "an empty file is no .dockerignore")

	patterns, err = pathmatch.ReadDockerignore(nil)
	require.NoError(t, err)
	assert.Nil(t, patterns)
}

func TestDockerignoreConcurrent(t *testing.T) {
	m := mustDockerignore(t, "src", "!src/a.go", "**/*.md", "a*/b?/[cd]")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				assert.True(t, m.Match("src/a.go"))
				assert.False(t, m.Match("src/b.txt"))
				assert.False(t, m.Match("docs/x.md"))
				assert.False(t, m.Match("ax/by/c"))
			}
		}()
	}
	wg.Wait()
}
