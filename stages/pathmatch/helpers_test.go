package pathmatch_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// verdict is one row of werf's matcher tables: IsPathMatched, ShouldGoThrough
// and IsDirOrSubmodulePathMatched (which werf defines as the first or the second).
type verdict struct {
	match, descend, dirOrSubmodule bool
}

func assertVerdict(t *testing.T, m pathmatch.Matcher, p string, want verdict) {
	t.Helper()
	assert.Equal(t, want.match, m.Match(p), "Match(%q)", p)
	assert.Equal(t, want.descend, m.Descend(p), "Descend(%q)", p)
	assert.Equal(t, want.dirOrSubmodule, m.Match(p) || m.Descend(p), "Match||Descend(%q)", p)
}

// never is werf's false matcher, which pathmatch has no need to export.
type never struct{}

func (never) Match(string) bool   { return false }
func (never) Descend(string) bool { return false }

// recorder takes everything and remembers the last path it was asked about.
type recorder struct{ last *string }

func (r recorder) Match(p string) bool   { *r.last = p; return true }
func (r recorder) Descend(p string) bool { *r.last = p; return false }
