package pathmatch

import (
	"path"
	"slices"
	"strings"
)

// normalize is werf's spelling rule for paths and globs: the three ways of naming
// the root ("", "." and "/") become "", anything else is cleaned. Note that "./"
// cleans to "." and so keeps a spelling of its own, exactly as in werf.
func normalize(p string) string {
	if p == "" || p == "." || p == "/" {
		return ""
	}
	return path.Clean(p)
}

// components splits a path or glob into its components the way werf does
// (common-go's SplitFilepath on Linux): the text is cleaned, a leading "/" is
// dropped, the root has no components, and a "/" right after a backslash is an
// escaped character, not a separator.
func components(p string) []string {
	p = strings.TrimPrefix(path.Clean(p), "/")
	if p == "" || p == "." {
		return nil
	}
	var parts []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && (i == 0 || p[i-1] != '\\') {
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return append(parts, p[start:])
}

// isStrictSubpath reports whether p lies strictly below base, comparing
// components. As in werf, an empty component of base matches any component (a
// case that cleaned paths never produce) and equal component lists are never
// below one another.
func isStrictSubpath(base, p string) bool {
	baseParts, pathParts := components(base), components(p)
	if len(baseParts) > len(pathParts) || slices.Equal(baseParts, pathParts) {
		return false
	}
	for i, part := range baseParts {
		if part != "" && part != pathParts[i] {
			return false
		}
	}
	return true
}

// relative returns p relative to base, with "" for base itself; a path outside
// base gets leading ".." components. werf makes both absolute against its working
// directory first, so for paths that are absolute or climb out with ".." its
// answer depends on where it runs; here it is the answer werf gives when run at
// "/". Paths from a tree walk are never like that.
func relative(base, p string) string {
	baseParts := plainComponents(base)
	pathParts := plainComponents(p)
	common := 0
	for common < len(baseParts) && common < len(pathParts) && baseParts[common] == pathParts[common] {
		common++
	}
	var out []string
	for range baseParts[common:] {
		out = append(out, "..")
	}
	return strings.Join(append(out, pathParts[common:]...), "/")
}

// plainComponents splits on every "/" after resolving "." and ".." against a
// virtual root, like filepath.Rel sees absolute paths; it knows no escaping.
func plainComponents(p string) []string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
