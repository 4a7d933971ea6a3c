package dockerfile

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Limits of one expansion, checked before BuildKit's lexer runs: ARGs that double
// one another grow exponentially, and the lexer builds each whitespace-free run of
// an expansion outside double quotes a character at a time, in time that grows
// with the square of its length (a 256 KiB run takes seconds, 1 MiB minutes).
const (
	maxExpansion    = 1 << 20  // bytes an expanded word may have
	maxExpansionRun = 32 << 10 // bytes without whitespace that variables add to a word outside double quotes
)

// expansionAsyncCost is the estimated lexer work (bytes copied) above which an
// expansion runs aside, so that a cancelled context need not wait for it.
const expansionAsyncCost = 1 << 26

// expand runs BuildKit's shell word processing over word, as werf does for every
// instruction: variables expand, quotes are removed, `\` escapes (always `\`,
// whatever the Dockerfile's escape directive). The scopes are searched in order
// and the first that has a name wins, which makes an ARG beat an ENV of the same
// name — werf's rule, not Docker's.
func expand(ctx context.Context, word string, scopes ...map[string]string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("expanding %q: %w", shorten(word), err)
	}
	var env []string
	seen := map[string]bool{}
	for _, scope := range scopes {
		for k, v := range scope {
			if !seen[k] {
				seen[k] = true
				env = append(env, k+"="+v)
			}
		}
	}
	// The lexer's own reading of the list, so that the estimate sees what it sees.
	vars := shell.BuildEnvs(env)
	cost, err := checkExpansion(word, vars, parser.DefaultEscapeToken)
	if err != nil {
		return "", err
	}
	lex := func() (string, error) { return processWord(word, vars) }
	if cost < expansionAsyncCost {
		return lex()
	}
	// The lexer cannot be interrupted: on cancellation its goroutine is left to
	// finish, which the limits above keep to seconds.
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := lex()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("expanding %q: %w", shorten(word), ctx.Err())
	}
}

// processWord is BuildKit's word processing, which panics on some words
// (`${A#}` indexes an empty pattern): a panic becomes an error.
func processWord(word string, vars map[string]string) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("BuildKit's lexer failed on %q: %v", shorten(word), p)
		}
	}()
	return shell.NewLex(parser.DefaultEscapeToken).ProcessWordWithMap(word, vars)
}

// reference is a `$NAME` or `${NAME…}` in a word.
type reference struct {
	name   string
	op     byte // 0 for $NAME and ${NAME}, else the modifier: - + ? # % /
	pos    int  // where the modifier's text starts
	quoted bool // directly inside double quotes, so the lexer adds it whole
}

// CheckExpansion refuses a word whose expansion with vars by BuildKit's lexer
// (with the escape token escape) could pass the limits of one expansion. Callers
// expanding with the lexer themselves run it first.
func CheckExpansion(word string, vars map[string]string, escape rune) error {
	_, err := checkExpansion(word, vars, escape)
	return err
}

// checkExpansion bounds, before the lexer runs, what word can expand to with
// vars, and estimates the lexer's work (bytes copied).
func checkExpansion(word string, vars map[string]string, escape rune) (cost int64, err error) {
	size, runs, ok := estimate(word, vars, escape)
	if !ok {
		return satMul(longestRun(word), literalBound(word)), nil
	}
	if total := satAdd(literalBound(word), size); total > maxExpansion {
		return 0, fmt.Errorf("%q would expand to more than %d MiB (up to %s bytes)", shorten(word), maxExpansion>>20, count(total))
	}
	if runs > maxExpansionRun {
		return 0, fmt.Errorf("%q would expand its variables into up to %s bytes without whitespace, more than the %d KiB dagwerf expands (BuildKit's lexer takes time that grows with the square of such runs)", shorten(word), count(runs), maxExpansionRun>>10)
	}
	return satMul(satAdd(runs, longestRun(word)), satAdd(literalBound(word), size)), nil
}

// literalBound is the most the text of word itself becomes: the lexer reads an
// invalid UTF-8 byte as U+FFFD, three bytes.
func literalBound(word string) int64 {
	if utf8.ValidString(word) {
		return int64(len(word))
	}
	return 3 * int64(len(word))
}

// estimate bounds what the references of word add to it when expanded with vars:
// bytes, and bytes in whitespace-free runs outside double quotes. The bounds are
// upper ones: every `$` that may start a reference counts, quoted or escaped. A
// word without references (ok false) expands to no more than itself. It stops
// counting once past maxExpansion.
func estimate(word string, vars map[string]string, escape rune) (size, runs int64, ok bool) {
	refs := references(word, escape)
	if len(refs) == 0 {
		return 0, 0, false
	}
	lookup := func(name string) string {
		if v, ok := vars[name]; ok {
			return v
		}
		if shell.EqualEnvKeys("a", "A") { // Windows: names match whatever their case
			for k, v := range vars {
				if shell.EqualEnvKeys(name, k) {
					return v
				}
			}
		}
		return ""
	}
	// From the last reference back, so that a replacement's bound can take the
	// references after it, which its text holds.
	for i := len(refs) - 1; i >= 0 && size <= maxExpansion; i-- {
		r := refs[i]
		v := lookup(r.name)
		var add, run int64
		switch r.op {
		case '+': // the word, which is counted where it stands
		case '/':
			// Each match, and there may be one at every position, becomes the
			// replacement, which is at most the text after it, expanded.
			repl := satAdd(int64(len(word)-r.pos), size)
			add = satAdd(int64(len(v)), satMul(int64(len(v))+1, repl))
			run = add
		default:
			add = int64(len(v))
			if !r.quoted {
				run = longestRun(v)
			}
		}
		size, runs = satAdd(size, add), satAdd(runs, run)
	}
	return size, runs, true
}

// references lists the references of word as BuildKit's lexer reads names (a run
// of digits, one special parameter, or letters, digits and underscores). A
// reference is quoted when it is a plain one inside double quotes, before any
// `${NAME<modifier>…}`: past one, whose text this scan does not delimit, none is.
func references(word string, escape rune) []reference {
	var refs []reference
	inDouble, modified := false, false
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case rune(c) == escape:
			i++ // an escaped character is literal, and an escaped `$` no reference
		case c == '\'' && !inDouble && !modified:
			if end := strings.IndexByte(word[i+1:], '\''); end >= 0 {
				i += end + 1 // single quotes hold no references
			}
		case c == '"' && !modified:
			inDouble = !inDouble
		case c == '$':
			j := i + 1
			braced := j < len(word) && word[j] == '{'
			if braced {
				j++
			}
			name, end := scanName(word, j)
			if name == "" {
				continue
			}
			r := reference{name: name, pos: end, quoted: inDouble && !modified}
			if braced && end < len(word) && word[end] != '}' {
				r.op = word[end]
				if r.op == ':' && end+1 < len(word) {
					r.op = word[end+1]
				}
				r.quoted = false
				modified = true
			}
			refs = append(refs, r)
		}
	}
	return refs
}

// scanName reads a variable name at word[i:] as BuildKit's lexer does, returning
// it and where it ends.
func scanName(word string, i int) (string, int) {
	start := i
	for i < len(word) {
		ch, size := utf8.DecodeRuneInString(word[i:])
		switch {
		case i == start && unicode.IsDigit(ch):
			for i < len(word) {
				ch, size := utf8.DecodeRuneInString(word[i:])
				if !unicode.IsDigit(ch) {
					break
				}
				i += size
			}
			return word[start:i], i
		case i == start && strings.ContainsRune("@*#?-$!0", ch):
			return word[start : i+size], i + size
		case !unicode.IsLetter(ch) && !unicode.IsDigit(ch) && ch != '_':
			return word[start:i], i
		}
		i += size
	}
	return word[start:i], i
}

// longestRun is the length of the longest run of s without whitespace.
func longestRun(s string) int64 {
	var longest, run int64
	for _, ch := range s {
		if unicode.IsSpace(ch) {
			run = 0
			continue
		}
		run += int64(utf8.RuneLen(ch))
		longest = max(longest, run)
	}
	return longest
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

func count(n int64) string {
	if n == math.MaxInt64 {
		return "more than 2^63"
	}
	return fmt.Sprint(n)
}

// shorten is word as an error message quotes it.
func shorten(word string) string {
	if len(word) <= 60 {
		return word
	}
	return word[:57] + "..."
}
