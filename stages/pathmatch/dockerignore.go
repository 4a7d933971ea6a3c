package pathmatch

import (
	"bufio"
	"bytes"
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

// DockerignoreLine is a pattern of a .dockerignore and where it comes from.
type DockerignoreLine struct {
	Pattern string // as ReadDockerignore gives it
	Text    string // the line as written, trimmed
	Line    int    // 1-based
}

// ReadDockerignoreLines is ReadDockerignore of a file's content, each pattern with
// its line, for errors; file names the file in them.
func ReadDockerignoreLines(file string, data []byte) ([]DockerignoreLine, error) {
	patterns, readErr := ReadDockerignore(bytes.NewReader(data))
	// The lines as ignorefile.ReadAll reads them: a UTF-8 BOM off the first,
	// comments ("#" first) and blank lines skipped.
	var lines []DockerignoreLine
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if i == 0 {
			raw = bytes.TrimPrefix(raw, []byte("\xEF\xBB\xBF"))
		}
		if readErr != nil && len(raw) >= bufio.MaxScanTokenSize {
			return nil, fmt.Errorf("%s:%d: the line is longer than the %d bytes a .dockerignore line may have", file, i+1, bufio.MaxScanTokenSize-1)
		}
		if bytes.HasPrefix(raw, []byte("#")) {
			continue
		}
		if text := strings.TrimSpace(string(raw)); text != "" {
			lines = append(lines, DockerignoreLine{Text: text, Line: i + 1})
		}
	}
	if readErr != nil {
		return nil, fmt.Errorf("%s: %w", file, readErr)
	}
	if len(lines) != len(patterns) {
		// Not expected; the patterns stand without their lines.
		lines = make([]DockerignoreLine, len(patterns))
	}
	for i, p := range patterns {
		lines[i].Pattern = p
	}
	return lines, nil
}

// PatternError is a .dockerignore pattern that cannot be used.
type PatternError struct {
	Index   int    // among the patterns given
	Pattern string // as given
	Err     error  // what is wrong with it
}

func (e *PatternError) Error() string { return fmt.Sprintf("pattern %q: %v", e.Pattern, e.Err) }
func (e *PatternError) Unwrap() error { return e.Err }

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
// (an unbalanced "{") or a pattern naming the root ("." or "/"). The error is a
// *PatternError naming the first such pattern.
func Dockerignore(patterns []string) (Matcher, error) {
	// One at a time first, so that an error can say which pattern it is about.
	for i, p := range patterns {
		if err := checkInput(p); err != nil {
			return nil, &PatternError{Index: i, Pattern: p, Err: err}
		}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("dockerignore patterns: %w", err)
	}
	m := &dockerignore{pm: pm}
	for _, p := range pm.Patterns() {
		m.patterns = append(m.patterns, p.String())
	}
	return m, nil
}

// checkInput checks one pattern as Dockerignore is given it.
func checkInput(pattern string) error {
	pm, err := patternmatcher.New([]string{pattern})
	switch {
	case err != nil && strings.TrimSpace(pattern) == "!":
		return errors.New(`an exception needs a pattern after "!"`)
	case err != nil:
		return err
	}
	for _, p := range pm.Patterns() {
		if err := checkPattern(p.String()); err != nil {
			return err
		}
	}
	return nil
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
