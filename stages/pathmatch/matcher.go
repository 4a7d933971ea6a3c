// Package pathmatch decides which paths of a git tree a build context takes, with
// werf's rules: include globs from COPY/ADD sources, .dockerignore patterns, and a
// base path (the context directory). Paths are slash-separated and relative to the
// repository root; "" is the root.
//
// The rules are werf v2's path matchers (pkg/path_matcher), reproduced for their
// behaviour, because a COPY/ADD context checksum hashes exactly the entries they
// pick and dagwerf's stage digests must equal werf's. Matching is pure string
// work: the same on every OS, and safe for concurrent use.
package pathmatch

// Matcher is werf's PathMatcher: it tells a tree walk what to take. The walk enters
// a directory when Descend is true; otherwise it takes the directory whole when
// Match is true and skips it when not. A file is taken when Match is true.
type Matcher interface {
	// Match reports whether the path is taken.
	Match(path string) bool
	// Descend reports whether the walk must enter the directory at path and look at its
	// entries one by one, because only part of it may be taken. When Descend is false
	// and Match is true, the whole directory is taken as one tree hash.
	Descend(path string) bool
}

// New builds the matcher werf's NewPathMatcher builds from a base path, include
// globs and further matchers: the include matcher (when there are globs) and
// dockerignore (when not nil) must both agree, and the result is seen from base
// (when base is not ""). With no globs and no dockerignore everything is taken.
//
// werf computes a COPY/ADD context checksum with All(Base(ctx, dockerignore),
// New(ctx, globs, nil)); New(ctx, globs, dockerignore) answers the same for the
// context directory, everything in it and all its ancestors, which are the only
// paths such a walk visits. Malformed globs are an error (werf exits on them).
func New(base string, include []string, dockerignore Matcher) (Matcher, error) {
	var children []Matcher
	if len(include) > 0 {
		m, err := IncludeChecked(include...)
		if err != nil {
			return nil, err
		}
		children = append(children, m)
	}
	if dockerignore != nil {
		children = append(children, dockerignore)
	}
	m := All(children...)
	if base != "" {
		m = Base(base, m)
	}
	return m, nil
}
