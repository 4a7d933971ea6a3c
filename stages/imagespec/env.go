package imagespec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// applyEnv is werf's env rule: the previous env as a map (an entry without "=" is
// dropped, a repeated name keeps its last value), minus the names removeEnv
// matches and werf's commit variables, minus werf's build SSH socket, plus the
// spec's env. Each added value is expanded as a Dockerfile word against the
// previous env as it was, before removals and without the other added values:
// `PATH: ${PATH}:/x` appends to the image's PATH, and an added name refers to
// nothing another added name sets.
func applyEnv(prev, remove []string, add map[string]string) ([]string, error) {
	values := map[string]string{}
	var order []string
	for _, e := range prev {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		if _, seen := values[k]; !seen {
			order = append(order, k)
		}
		values[k] = v
	}

	rm, err := compileRemove(append(slices.Clone(remove), werfCommitEnv...))
	if err != nil {
		return nil, err
	}
	for k := range values {
		if rm.match(k) {
			delete(values, k)
		}
	}
	if v, ok := values[sshAuthSockEnv]; ok && v == werfSSHAuthSock {
		delete(values, sshAuthSockEnv)
	}

	vars := shell.BuildEnvs(prev)
	for _, k := range slices.Sorted(maps.Keys(add)) {
		v, err := expand(add[k], vars)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		values[k] = v
	}

	// Names that were there keep their place; new ones follow, sorted.
	env := make([]string, 0, len(values))
	for _, k := range order {
		if v, ok := values[k]; ok {
			env = append(env, k+"="+v)
			delete(values, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		env = append(env, k+"="+values[k])
	}
	return env, nil
}

// expand is BuildKit's word expansion with the default escape (\), as werf runs
// it; the expansion is bounded first, and a lexer panic becomes an error.
func expand(word string, vars map[string]string) (out string, err error) {
	if err := dockerfile.CheckExpansion(word, vars, parser.DefaultEscapeToken); err != nil {
		return "", err
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("BuildKit's lexer failed on %q: %v", word, p)
		}
	}()
	out, err = shell.NewLex(parser.DefaultEscapeToken).ProcessWordWithMap(word, vars)
	if err != nil {
		return "", fmt.Errorf("expanding %q: %w", word, err)
	}
	return out, nil
}
