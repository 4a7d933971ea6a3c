package pathmatch

// All combines matchers the way werf's multi matcher does: a path is taken when
// every matcher takes it, and a directory is entered when at least one matcher
// wants to enter it and each of the others wants to enter it too or takes it.
// All() takes everything and enters nothing (werf's true matcher). Nil matchers
// are left out.
func All(matchers ...Matcher) Matcher {
	var m all
	for _, child := range matchers {
		if child != nil {
			m = append(m, child)
		}
	}
	return m
}

type all []Matcher

func (m all) Match(p string) bool {
	for _, child := range m {
		if !child.Match(p) {
			return false
		}
	}
	return true
}

func (m all) Descend(p string) bool {
	descend := false
	for _, child := range m {
		switch {
		case child.Descend(p):
			descend = true
		case !child.Match(p):
			// This matcher neither enters nor takes the directory, so nothing
			// below it can be taken.
			return false
		}
	}
	return descend
}
