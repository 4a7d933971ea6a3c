package pathmatch_test

import (
	"testing"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Ported from werf v2.77.1 pkg/path_matcher/multi_test.go, true_test.go and false_test.go.
func TestAllWerfTable(t *testing.T) {
	t.Run("false if at least one matcher is false", func(t *testing.T) {
		assertVerdict(t, pathmatch.All(pathmatch.All(), never{}), "any", verdict{false, false, false})
		assertVerdict(t, pathmatch.All(never{}, never{}), "any", verdict{false, false, false})
	})
	t.Run("true if all matchers are true", func(t *testing.T) {
		assertVerdict(t, pathmatch.All(pathmatch.All(), pathmatch.All()), "any", verdict{true, false, true})
	})
	t.Run("true matcher", func(t *testing.T) {
		assertVerdict(t, pathmatch.All(), "any", verdict{true, false, true})
	})
	t.Run("false matcher", func(t *testing.T) {
		assertVerdict(t, never{}, "any", verdict{false, false, false})
	})

	m := pathmatch.All(pathmatch.Base("dir", nil), pathmatch.Base("dir/sub-dir", nil))
	tests := []struct {
		path string
		want verdict
	}{
		{"", verdict{false, true, true}},
		{"file", verdict{false, false, false}},
		{"dir", verdict{false, true, true}},
		{"dir/sub-dir", verdict{true, false, true}},
		{"dir/sub-dir/file", verdict{true, false, true}},
	}
	for _, tt := range tests {
		t.Run("ShouldGoThrough "+tt.path, func(t *testing.T) {
			assertVerdict(t, m, tt.path, tt.want)
		})
	}
}

func TestAllRules(t *testing.T) {
	// A child that neither enters nor takes a directory vetoes entering it.
	assertVerdict(t, pathmatch.All(pathmatch.Include("src/*.go"), pathmatch.Include("docs")), "src", verdict{false, false, false})
	// A child that takes it lets another child enter it.
	assertVerdict(t, pathmatch.All(pathmatch.Include("src/*.go"), pathmatch.Include("src")), "src", verdict{false, true, true})
	// Nil children are left out.
	assertVerdict(t, pathmatch.All(nil, pathmatch.Include("src")), "src", verdict{true, false, true})
}
