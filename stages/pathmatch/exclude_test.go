package pathmatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Ported from werf v2.77.1 pkg/path_matcher/exclude_test.go.
func TestExcludeWerfTable(t *testing.T) {
	tests := []struct {
		name  string
		globs []string
		path  string
		want  verdict
	}{
		{"empty exclude globs list: empty test path", nil, "", verdict{true, false, true}},
		{"empty test path (1)", []string{""}, "", verdict{false, false, false}},
		{"empty test path (2)", []string{"dir"}, "", verdict{true, true, true}},
		{"matched test path (1)", []string{"dir1"}, "dir2", verdict{true, false, true}},
		{"matched test path (2)", []string{"dir/file"}, "dir", verdict{true, true, true}},
		{"not matched test path (1)", []string{"dir"}, "dir", verdict{false, false, false}},
		{"not matched test path (2)", []string{"dir"}, "dir/any", verdict{false, false, false}},
		{"glob completion (1)", []string{"a"}, "a/b/c/d", verdict{false, false, false}},
		{"glob completion (2)", []string{"a/*/*/**/*"}, "a/d/c/d", verdict{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, pathmatch.Exclude(tt.globs...), tt.path, tt.want)
		})
	}
}

func TestExcludeRules(t *testing.T) {
	// Unlike include, a glob that fully matched the directory stops the descent.
	assertVerdict(t, pathmatch.Exclude("src/sub", "src"), "src", verdict{false, false, false})
	assertVerdict(t, pathmatch.Include("src/sub", "src"), "src", verdict{true, true, true})
	assertVerdict(t, pathmatch.Exclude("src/*.go"), "src", verdict{true, true, true})
	assertVerdict(t, pathmatch.Exclude("src/*.go"), "src/a.go", verdict{false, false, false})
	assertVerdict(t, pathmatch.Exclude("*"), "", verdict{false, false, false})

	_, err := pathmatch.ExcludeChecked("a[")
	require.Error(t, err)
	m, err := pathmatch.ExcludeChecked("src/*.go")
	require.NoError(t, err)
	assert.True(t, m.Descend("src"))
}
