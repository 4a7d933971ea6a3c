package pathmatch

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ReadDockerignore reads a .dockerignore the way werf does (patternmatcher's
// ignorefile.ReadAll): comments and blank lines are skipped, each pattern is
// trimmed and cleaned, a leading "/" is dropped, and exceptions keep their "!".
// An empty file gives nil, which werf treats as no .dockerignore at all.
func ReadDockerignore(r io.Reader) ([]string, error) {
	patterns, err := ignorefile.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	return patterns, nil
}

// Dockerignore takes what .dockerignore patterns do not ignore, like werf's
// dockerfile ignore matcher. Ignoring follows patternmatcher v0.6.0's deprecated
// Matches: patterns apply in order, "!" patterns take paths back, and a pattern
// also catches a path when it matches the leading directories of the path that
// are as many as the pattern has components. A directory is entered when the
// last pattern still in progress below it, or fully matching it, is in progress;
// "!" is not looked at there.
//
// Patterns are an error when patternmatcher rejects them, and also when werf
// would crash on them while walking a tree: a component doublestar cannot parse
// (an unbalanced "{") or a pattern naming the root ("." or "/").
func Dockerignore(patterns []string) (Matcher, error) {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("dockerignore patterns: %w", err)
	}
	m := &dockerignore{pm: pm}
	for _, p := range pm.Patterns() {
		if err := checkPattern(p.String()); err != nil {
			text := p.String()
			if p.Exclusion() {
				text = "!" + text
			}
			return nil, fmt.Errorf("dockerignore pattern %q: %w", text, err)
		}
		m.patterns = append(m.patterns, p.String())
	}
	return m, nil
}

// checkPattern rejects a cleaned pattern (without its "!") that werf would fail
// on: patternmatcher builds a regular expression for it lazily, on first use, and
// werf matches its components with doublestar to decide on entering directories.
func checkPattern(pattern string) error {
	parts := components(pattern)
	if len(parts) == 0 {
		return errors.New("names the whole context, which werf cannot walk with")
	}
	for _, part := range parts {
		if !doublestar.ValidatePattern(part) {
			return fmt.Errorf("component %q is malformed for werf's matching: the special characters '?', '[' and '{' must be balanced or escaped with '\\'", part)
		}
	}
	// An escape keeps a leading "!" from being read as an exception.
	if strings.HasPrefix(pattern, "!") {
		pattern = `\` + pattern
	}
	pm, err := patternmatcher.New([]string{pattern})
	if err != nil {
		return err
	}
	if _, err := pm.Matches("x"); err != nil {
		return fmt.Errorf("cannot be compiled: %w", err)
	}
	return nil
}

type dockerignore struct {
	// mu guards pm, which compiles its patterns lazily and is not safe for
	// concurrent use.
	mu sync.Mutex
	pm *patternmatcher.PatternMatcher
	// patterns are the cleaned pattern texts without "!", in file order.
	patterns []string
}

func (m *dockerignore) Match(p string) bool {
	m.mu.Lock()
	ignored, err := m.pm.Matches(normalize(p))
	m.mu.Unlock()
	// Patterns are checked up front, so err is not expected; a path that
	// cannot be judged is not taken.
	return err == nil && !ignored
}

func (m *dockerignore) Descend(p string) bool {
	if len(m.patterns) == 0 {
		return false
	}
	p = normalize(p)
	if p == "" {
		return true
	}
	type progress struct {
		state stepState
		rest  string
	}
	states := make([]progress, len(m.patterns))
	for i, pattern := range m.patterns {
		states[i] = progress{stepInProgress, pattern}
	}
	for _, part := range components(p) {
		for i := range states {
			if states[i].state == stepInProgress {
				states[i].state, states[i].rest = step(part, states[i].rest)
			}
		}
	}
	descend := false
	for _, s := range states {
		switch s.state {
		case stepMatched:
			descend = false
		case stepInProgress:
			descend = true
		}
	}
	return descend
}
