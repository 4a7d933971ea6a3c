package pathmatch

import "fmt"

// Include takes the paths named by globs (COPY/ADD sources), like werf's include
// matcher: a path is taken when a glob matches it, names a directory above it,
// or covers it with trailing stars ("src", "src/*" and "src/**" all take the
// whole of src). A directory is entered while some glob still has components
// left for what lies below it, unless a glob covers everything. No globs take
// everything. A malformed glob matches nothing; use IncludeChecked to reject it.
func Include(globs ...string) Matcher {
	return include{newGlobSet(globs)}
}

// IncludeChecked is Include that first rejects malformed globs (werf exits on
// them), so the caller can name the bad COPY/ADD source.
func IncludeChecked(globs ...string) (Matcher, error) {
	if err := checkGlobs(globs); err != nil {
		return nil, fmt.Errorf("include globs: %w", err)
	}
	return Include(globs...), nil
}

type include struct {
	globSet
}

func (m include) Match(p string) bool {
	return len(m.globs) == 0 || m.takes(normalize(p))
}

func (m include) Descend(p string) bool {
	if len(m.globs) == 0 || m.universal {
		return false
	}
	p = normalize(p)
	if p == "" {
		return true
	}
	// A glob that already took p does not stop the descent: werf enters a
	// directory another glob is still in progress in (COPY src/sub src walks src).
	rest, _ := narrow(p, m.globs)
	return len(rest) > 0 && !anyUniversal(rest)
}
