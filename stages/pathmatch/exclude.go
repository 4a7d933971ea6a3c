package pathmatch

import "fmt"

// Exclude drops the paths named by globs, like werf's exclude matcher (used for
// giterminism checks, never for a context checksum): a path is taken unless a
// glob takes it in the sense of Include. A directory is entered while some glob
// is still in progress below it and none fully matched it. A malformed glob
// matches nothing; use ExcludeChecked to reject it.
func Exclude(globs ...string) Matcher {
	return exclude{newGlobSet(globs)}
}

// ExcludeChecked is Exclude that first rejects malformed globs.
func ExcludeChecked(globs ...string) (Matcher, error) {
	if err := checkGlobs(globs); err != nil {
		return nil, fmt.Errorf("exclude globs: %w", err)
	}
	return Exclude(globs...), nil
}

type exclude struct {
	globSet
}

func (m exclude) Match(p string) bool {
	return len(m.globs) == 0 || !m.takes(normalize(p))
}

func (m exclude) Descend(p string) bool {
	if len(m.globs) == 0 || m.universal {
		return false
	}
	p = normalize(p)
	if p == "" {
		return true
	}
	rest, matchedLast := narrow(p, m.globs)
	return !matchedLast && len(rest) > 0 && !anyUniversal(rest)
}
