package dockerfile

import (
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// expand runs BuildKit's shell word processing over word, as werf does for every
// instruction: variables expand, quotes are removed, `\` escapes (always `\`,
// whatever the Dockerfile's escape directive). The scopes are searched in order
// and the first that has a name wins, which makes an ARG beat an ENV of the same
// name — werf's rule, not Docker's.
func expand(word string, scopes ...map[string]string) (string, error) {
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
	return shell.NewLex(parser.DefaultEscapeToken).ProcessWord(word, env)
}
