package dockerfile

import (
	"errors"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// FuzzExpansionBound checks that the estimate bounds what BuildKit's lexer makes
// of a word, whatever its quotes, escapes (either token) and modifiers.
func FuzzExpansionBound(f *testing.F) {
	for _, seed := range []string{
		"$A$B", `"$A" '$B' \$C`, "${A:-$B}${B:+x$A}", "${A//?/$B}", "${A/*/$A$A}", "${A///$B}",
		"${A%%a*}${B#?}", `"${A}"x$B`, "$1$@$$A", "${A:?$B}", `${A:-"$B"}`, "a b $A c", "`$A\\$B",
	} {
		f.Add(seed, "ab c", "xyz", false)
		f.Add(seed, "ab c", "xyz", true)
	}
	f.Fuzz(func(t *testing.T, word, a, b string, backtick bool) {
		escape := '\\'
		if backtick {
			escape = '`'
		}
		vars := map[string]string{"A": a, "B": b, "C": a + b}
		size, _, ok := estimate(word, vars, escape)
		if !ok {
			size = 0
		}
		bound := literalBound(word) + size
		if bound > 1<<16 {
			return // the lexer is slow on large words
		}
		out, err := func() (out string, err error) {
			defer func() {
				if recover() != nil {
					err = errors.New("the lexer panicked")
				}
			}()
			return shell.NewLex(escape).ProcessWordWithMap(word, vars)
		}()
		if err == nil && int64(len(out)) > bound {
			t.Fatalf("%q expands to %d bytes, estimated at most %d", word, len(out), bound)
		}
	})
}
