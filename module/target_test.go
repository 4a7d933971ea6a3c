package module

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The name comes from module.yaml as the commit has it (the working tree with
// --dev); the repository from the source and the name.
func TestTargetResolve(t *testing.T) {
	g := gittest.New(t)
	g.CommitFiles(map[string]string{"werf.yaml": "configVersion: 1\nproject: m\n", "module.yaml": "name: hello-module\nweight: 900\n"})
	g.Write("module.yaml", "name: changed\n") // not committed
	committed := runner.Project{Dir: g.Dir}
	noGit := runner.Project{Dir: t.TempDir()}

	tests := []struct {
		name         string
		target       Target
		project      runner.Project
		registration bool
		want         Target
		err          string
	}{
		{"name from module.yaml", Target{Source: "registry.example.com/modules"}, committed, true,
			Target{Source: "registry.example.com/modules", Name: "hello-module", Repo: "registry.example.com/modules/hello-module"}, ""},
		{"the working tree with --dev", Target{Source: "r.example.com/modules"}, runner.Project{Dir: g.Dir, Dev: true}, true,
			Target{Source: "r.example.com/modules", Name: "changed", Repo: "r.example.com/modules/changed"}, ""},
		{"name given: module.yaml is not read", Target{Source: "r.example.com/modules", Name: "other"}, noGit, true,
			Target{Source: "r.example.com/modules", Name: "other", Repo: "r.example.com/modules/other"}, ""},
		{"repo given", Target{Source: "r.example.com/modules", Name: "other", Repo: "r.example.com/stages"}, noGit, true,
			Target{Source: "r.example.com/modules", Name: "other", Repo: "r.example.com/stages"}, ""},
		{"a build into --repo needs no name", Target{Repo: "r.example.com/stages"}, noGit, false,
			Target{Repo: "r.example.com/stages"}, ""},
		{"nothing", Target{}, committed, false, Target{}, errNoRepo.Error()},
		{"a release needs the source", Target{Repo: "r.example.com/stages"}, committed, true, Target{}, errNoSource.Error()},
		{"bad source", Target{Source: "https://r.example.com/modules"}, committed, true, Target{}, `--modules-source "https://r.example.com/modules": a repository address takes no scheme`},
		{"bad name", Target{Source: "r.example.com/modules", Name: "Hello_"}, committed, true, Target{}, `module name "Hello_": not a repository name under r.example.com/modules`},
		{"bad repo", Target{Source: "r.example.com/modules", Name: "xx", Repo: "r.example.com//x"}, committed, true, Target{}, `--repo "r.example.com//x": the repository address has an empty path segment`},
		{"no git repository", Target{Source: "r.example.com/modules"}, noGit, true, Target{}, "git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.target.Resolve(tt.project, tt.registration)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadNameFailures(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{"no module.yaml", map[string]string{"werf.yaml": "x"}, "module.yaml in DIR: "},
		{"no name", map[string]string{"module.yaml": "weight: 900\n"}, "module.yaml in DIR has no name; give --module-name"},
		{"not YAML", map[string]string{"module.yaml": "name: [\n"}, "module.yaml in DIR: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := gittest.New(t)
			g.CommitFiles(tt.files)
			_, err := ReadName(runner.Project{Dir: g.Dir})
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), strings.ReplaceAll(tt.err, "DIR", g.Dir)), err.Error())
			if tt.name == "no module.yaml" {
				assert.Contains(t, err.Error(), "give --module-name")
			}
		})
	}
}
