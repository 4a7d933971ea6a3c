package pathmatch

import "strings"

// Base sees a repository through a base directory (the build context), like werf's
// base path matcher: a path inside base, or base itself, is taken when inner takes
// it relative to base (base itself is ""); a path outside is never taken; the
// ancestors of base are always entered, so a walk from the root can reach it.
// A nil inner takes everything.
func Base(base string, inner Matcher) Matcher {
	if inner == nil {
		inner = All()
	}
	return baseMatcher{base: normalize(base), inner: inner}
}

type baseMatcher struct {
	base  string
	inner Matcher
}

func (m baseMatcher) Match(p string) bool {
	p = normalize(p)
	if simple(p) && simple(m.base) {
		// The walk's own paths: plain prefix arithmetic answers without
		// splitting either path (the hot path of a context checksum).
		if rel, inside := within(m.base, p); inside {
			return m.inner.Match(rel)
		}
		return false
	}
	if p != m.base && !isStrictSubpath(m.base, p) {
		return false
	}
	return m.inner.Match(relative(m.base, p))
}

func (m baseMatcher) Descend(p string) bool {
	p = normalize(p)
	if simple(p) && simple(m.base) {
		if rel, inside := within(m.base, p); inside {
			return m.inner.Descend(rel)
		}
		if p == "" || strings.HasPrefix(m.base, p+"/") {
			return true // an ancestor of base
		}
	}
	if isStrictSubpath(p, m.base) {
		return true
	}
	// Paths outside base reach inner with leading "..", as in werf; a walk
	// scoped to base never asks about them.
	return m.inner.Descend(relative(m.base, p))
}

// simple reports whether a normalized path is plain: no "..", no leading "/", no
// backslash escapes, not the "." spelling. Tree walks produce only such paths, and
// for them the component arithmetic of isStrictSubpath and relative reduces to
// prefix checks.
func simple(p string) bool {
	return p != "." && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "..") && !strings.Contains(p, `\`)
}

// within is p relative to base for simple paths, and whether p is base or below it.
func within(base, p string) (string, bool) {
	switch {
	case base == "":
		return p, true
	case p == base:
		return "", true
	case len(p) > len(base) && p[len(base)] == '/' && strings.HasPrefix(p, base):
		return p[len(base)+1:], true
	}
	return "", false
}
