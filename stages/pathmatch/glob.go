package pathmatch

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// globMatch is doublestar's match with "/" as the only separator. A malformed
// pattern matches nothing (werf exits or panics instead).
func globMatch(pattern, name string) bool {
	ok, err := doublestar.Match(pattern, name)
	return err == nil && ok
}

// trimStars drops the trailing components made only of "*": "src/*" and
// "src/**" give "src", "*" gives "", and "*.go" stays as it is.
func trimStars(glob string) string {
	parts := components(glob)
	n := len(parts)
	for n > 0 && strings.TrimRight(parts[n-1], "*") == "" {
		n--
	}
	return path.Join(parts[:n]...)
}

// globForms are the three patterns werf tries for a glob: the glob itself, the
// glob without its trailing star components (so a directory named by the glob
// is taken), and that plus "/**/*" (so everything below it is taken too).
func globForms(glob string) [3]string {
	trimmed := trimStars(glob)
	return [3]string{glob, trimmed, path.Join(trimmed, "**", "*")}
}

// globSet is a matcher's globs, normalized, with what matching needs of each
// worked out once, not per path.
type globSet struct {
	globs     []string
	forms     [][3]string // globForms of each glob
	universal bool        // some glob takes the whole tree
}

func newGlobSet(globs []string) globSet {
	s := globSet{globs: normalizeAll(globs)}
	s.universal = anyUniversal(s.globs)
	s.forms = make([][3]string, len(s.globs))
	for i, g := range s.globs {
		s.forms[i] = globForms(g)
	}
	return s
}

// takes reports whether some glob takes p in any of its three forms.
func (s globSet) takes(p string) bool {
	for _, forms := range s.forms {
		for _, form := range forms {
			if globMatch(form, p) {
				return true
			}
		}
	}
	return false
}

// isUniversal reports whether a glob takes the whole tree: ".", "", "*", "**",
// "/" and the like. Such a glob never asks for a directory to be entered.
func isUniversal(glob string) bool {
	return glob == "." || trimStars(glob) == ""
}

func anyUniversal(globs []string) bool {
	for _, g := range globs {
		if isUniversal(g) {
			return true
		}
	}
	return false
}

// stepState is where a glob stands after one more component of a path.
type stepState int

const (
	stepDropped    stepState = iota // the component does not fit; the glob is out
	stepMatched                     // the component fits the glob's last component
	stepInProgress                  // the component fits; the rest of the glob is still to come
)

// step advances a glob by one path component. A first component containing "**"
// keeps the whole glob in progress, whatever it could have matched further on.
func step(part, glob string) (stepState, string) {
	parts := components(glob)
	if len(parts) == 0 || !globMatch(parts[0], part) {
		return stepDropped, ""
	}
	switch {
	case strings.Contains(parts[0], "**"):
		return stepInProgress, glob
	case len(parts) > 1:
		return stepInProgress, path.Join(parts[1:]...)
	default:
		return stepMatched, ""
	}
}

// narrow runs the components of p through the globs. It returns the globs still
// in progress (as what is left of them) and whether some glob fully matched at
// the last component looked at. It stops early once no glob is in progress.
func narrow(p string, globs []string) (inProgress []string, matchedLast bool) {
	inProgress = globs
	for _, part := range components(p) {
		if len(inProgress) == 0 {
			break
		}
		var next []string
		matchedLast = false
		for _, g := range inProgress {
			switch state, rest := step(part, g); state {
			case stepInProgress:
				next = append(next, rest)
			case stepMatched:
				matchedLast = true
			}
		}
		inProgress = next
	}
	return inProgress, matchedLast
}

func normalizeAll(globs []string) []string {
	out := make([]string, 0, len(globs))
	for _, g := range globs {
		out = append(out, normalize(g))
	}
	return out
}

// checkGlobs reports every glob that doublestar cannot parse in one of the
// forms werf matches with, or in one of its components, which werf matches one
// by one when it decides whether to enter a directory.
func checkGlobs(globs []string) error {
	var errs []error
	for _, g := range globs {
		if !globParses(normalize(g)) {
			errs = append(errs, fmt.Errorf("glob %q is malformed: the special characters '?', '[' and '{' must be balanced or escaped with '\\'", g))
		}
	}
	return errors.Join(errs...)
}

func globParses(glob string) bool {
	for _, form := range globForms(glob) {
		if !doublestar.ValidatePattern(form) {
			return false
		}
	}
	for _, part := range components(glob) {
		if !doublestar.ValidatePattern(part) {
			return false
		}
	}
	return true
}
