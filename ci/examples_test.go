package ci_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// moduleFunctions are the functions of the Dagger module with their arguments,
// as `dagger call` spells them (kebab-case), read from .dagger/main.go.
func moduleFunctions(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", ".dagger", "main.go"), nil, 0)
	require.NoError(t, err)
	fns := map[string]map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || !fn.Name.IsExported() {
			continue
		}
		args := map[string]bool{}
		for _, p := range fn.Type.Params.List {
			for _, n := range p.Names {
				args[kebab(n.Name)] = true
			}
		}
		fns[kebab(fn.Name.Name)] = args
	}
	return fns
}

func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var word = regexp.MustCompile(`[a-z][a-z-]*|--[a-z-]+`)

// Every function and argument the CI examples call exists in the module, so an
// example cannot drift into an argument that dagger would refuse.
func TestExamplesCallTheModule(t *testing.T) {
	fns := moduleFunctions(t)
	require.Contains(t, fns, "build")
	require.Contains(t, fns["build"], "cache-repo")

	moduleExamples := []string{"deckhouse-module-github-actions.yml", "deckhouse-module-gitlab-ci.yml"}
	for _, name := range append([]string{"github-actions.yml", "gitlab-ci.yml", "any-ci.sh"}, moduleExamples...) {
		data, err := os.ReadFile(filepath.Join("examples", name))
		require.NoError(t, err)
		text := string(data)
		start := strings.Index(text, "with-registry-auth")
		if start < 0 {
			start = strings.Index(text, "set -- build")
		}
		require.GreaterOrEqual(t, start, 0, name)
		var current string
		calls := 0
		for _, w := range word.FindAllString(text[start:], -1) {
			switch {
			case w == "export":
				current = "" // a function of the returned File
			case strings.HasPrefix(w, "--") && current != "":
				assert.True(t, fns[current][strings.TrimPrefix(w, "--")], "%s: %s has no argument %s", name, current, w)
			case fns[w] != nil:
				current = w
				calls++
			}
		}
		assert.Positive(t, calls, name)
	}
	// The Deckhouse module examples build, release and deploy.
	for _, name := range moduleExamples {
		data, err := os.ReadFile(filepath.Join("examples", name))
		require.NoError(t, err)
		for _, fn := range []string{"module-build", "module-release", "module-deploy"} {
			require.Contains(t, fns, fn)
			assert.Contains(t, string(data), fn+" ", name)
		}
	}
}
