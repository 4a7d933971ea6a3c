package pathmatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// werfFactory builds what werf's NewPathMatcher builds from all its options, for
// the factory cases New does not cover (exclude globs, extra matchers).
func werfFactory(t *testing.T, base string, include, exclude, dockerignore []string, extra ...pathmatch.Matcher) pathmatch.Matcher {
	t.Helper()
	var children []pathmatch.Matcher
	if len(include) > 0 {
		children = append(children, pathmatch.Include(include...))
	}
	if len(exclude) > 0 {
		children = append(children, pathmatch.Exclude(exclude...))
	}
	if dockerignore != nil {
		children = append(children, mustDockerignore(t, dockerignore...))
	}
	m := pathmatch.All(append(children, extra...)...)
	if base != "" {
		m = pathmatch.Base(base, m)
	}
	return m
}

func mustNew(t *testing.T, base string, include []string, dockerignore pathmatch.Matcher) pathmatch.Matcher {
	t.Helper()
	m, err := pathmatch.New(base, include, dockerignore)
	require.NoError(t, err)
	return m
}

// Ported from werf v2.77.1 pkg/path_matcher/factory_test.go.
func TestFactoryWerfTable(t *testing.T) {
	complex1 := func(dockerignore string) pathmatch.Matcher {
		return werfFactory(t, "dir", []string{"sub-dir"}, []string{"sub-dir/file1"}, []string{dockerignore})
	}
	complex2 := werfFactory(t, "dir", nil, nil, nil,
		pathmatch.Base("sub-dir", nil), pathmatch.Include("sub-dir/*.go"))
	tests := []struct {
		name    string
		matcher pathmatch.Matcher
		path    string
		want    verdict
	}{
		{"base path (1)", mustNew(t, "dir", nil, nil), "", verdict{false, true, true}},
		{"base path (2)", mustNew(t, "dir", nil, nil), "dir", verdict{true, false, true}},
		{"include (1)", mustNew(t, "", []string{"dir"}, nil), "", verdict{false, true, true}},
		{"include (2)", mustNew(t, "dir", nil, nil), "dir", verdict{true, false, true}},
		{"exclude (1)", werfFactory(t, "", nil, []string{"dir1"}, nil), "dir1", verdict{false, false, false}},
		{"exclude (2)", werfFactory(t, "", nil, []string{"dir1"}, nil), "dir2", verdict{true, false, true}},
		{"dockerfile ignore (1)", mustNew(t, "", nil, mustDockerignore(t, "dir")), "dir1", verdict{true, false, true}},
		{"matcher", mustNew(t, "", nil, pathmatch.All()), "any", verdict{true, false, true}},
		{"complex 1 (1)", complex1("*.tmp"), "", verdict{false, true, true}},
		{"complex 1 (2)", complex1("*.tmp"), "sub-dir", verdict{false, false, false}},
		{"complex 1 (3)", complex1("*.tmp"), "dir/sub-dir", verdict{true, true, true}},
		{"complex 1 (4)", complex1("*.tmp"), "dir/sub-dir/file1", verdict{false, false, false}},
		{"complex 1 (5)", complex1("*.tmp"), "dir/sub-dir/file2", verdict{true, false, true}},
		{"complex 1 (6)", complex1("sub-dir/*.tmp"), "dir/sub-dir/file.tmp", verdict{false, false, false}},
		{"complex 2 (1)", complex2, "dir", verdict{false, true, true}},
		{"complex 2 (2)", complex2, "dir/sub-dir/file", verdict{false, false, false}},
		{"complex 2 (3)", complex2, "dir/sub-dir/file.go", verdict{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, tt.matcher, tt.path, tt.want)
		})
	}
}

func TestNew(t *testing.T) {
	_, err := pathmatch.New("ctx", []string{"ok", "bad["}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"bad["`)

	// No globs and no dockerignore: everything, as one tree.
	assertVerdict(t, mustNew(t, "", nil, nil), "", verdict{true, false, true})
	assertVerdict(t, mustNew(t, ".", []string{}, nil), "", verdict{true, false, true})

	// New(ctx, globs, di) and werf's All(Base(ctx, di), New(ctx, globs, nil))
	// agree on the context, what is in it and its ancestors.
	di := mustDockerignore(t, "src/sub", "*.md", "!README.md")
	globs := []string{"src", "docs/*.md", "README.md"}
	ours := mustNew(t, "ctx", globs, di)
	werfs := pathmatch.All(pathmatch.Base("ctx", di), mustNew(t, "ctx", globs, nil))
	for _, p := range []string{"", "ctx", "ctx/src", "ctx/src/sub", "ctx/src/a.go", "ctx/docs", "ctx/docs/d.md", "ctx/README.md", "ctx/x.md", "ctx/other"} {
		assert.Equal(t, werfs.Match(p), ours.Match(p), "Match(%q)", p)
		assert.Equal(t, werfs.Descend(p), ours.Descend(p), "Descend(%q)", p)
	}
}
