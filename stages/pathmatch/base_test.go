package pathmatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Ported from werf v2.77.1 pkg/path_matcher/base_path_test.go.
func TestBaseWerfTable(t *testing.T) {
	tests := []struct {
		name, base, path string
		want             verdict
	}{
		{"empty base path: equal path", "", "", verdict{true, false, true}},
		{"empty base path: subpath", "", "path", verdict{true, false, true}},
		{"non-crossing paths", "dir", "path", verdict{false, false, false}},
		{"parent directory test path", "path", "", verdict{false, true, true}},
		{"equal paths", "path", "path", verdict{true, false, true}},
		{"subpath", "path", "path/sub-path", verdict{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertVerdict(t, pathmatch.Base(tt.base, nil), tt.path, tt.want)
		})
	}

	t.Run("true/false matcher", func(t *testing.T) {
		assertVerdict(t, pathmatch.Base("", pathmatch.All()), "any", verdict{true, false, true})
		assertVerdict(t, pathmatch.Base("", never{}), "any", verdict{false, false, false})
	})
}

func TestBaseRules(t *testing.T) {
	m := pathmatch.Base("a/b", pathmatch.Include("c"))
	assertVerdict(t, m, "", verdict{false, true, true})
	assertVerdict(t, m, "a", verdict{false, true, true})
	assertVerdict(t, m, "a/b", verdict{false, true, true})
	assertVerdict(t, m, "a/b/c", verdict{true, false, true})
	assertVerdict(t, m, "a/b/c/d", verdict{true, false, true})
	assertVerdict(t, m, "a/b/d", verdict{false, false, false})
	assertVerdict(t, m, "a/bc", verdict{false, false, false})
	assertVerdict(t, m, "x", verdict{false, false, false})

	// The inner matcher sees paths relative to base, base itself as "".
	var last string
	r := pathmatch.Base("./a/b/", recorder{&last})
	r.Match("a/b")
	assert.Equal(t, "", last)
	r.Match("a/b/c/d")
	assert.Equal(t, "c/d", last)
	// Outside base, Descend still asks inner, with the path relative to base.
	r.Descend("a/x")
	assert.Equal(t, "../x", last)
	r.Descend("y")
	assert.Equal(t, "../../y", last)
	assert.True(t, pathmatch.Base("app", pathmatch.Include("**/x")).Descend("src"),
		"werf enters a directory outside base when inner is in progress for ../src")
}

// Ported from werf v2.77.1 pkg/path_matcher/common_test.go (TestFormatPath),
// through what an inner matcher of Base("") is given.
func TestFormatPath(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"empty path", "", ""},
		{"dot path", ".", ""},
		{"root slash path", "/", ""},
		{"normal path", ".helm", ".helm"},
		{"path with subdirectory", ".helm/templates", ".helm/templates"},
		{"cleaned", "./.helm//templates/../x/", ".helm/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last string
			pathmatch.Base("", recorder{&last}).Match(tt.path)
			assert.Equal(t, tt.want, last)
		})
	}
}
