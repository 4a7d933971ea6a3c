package main

import (
	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// addProjectFlags defines the flags that say where the project is and how its
// configuration is read; every command that loads werf.yaml takes them.
func addProjectFlags(fs *pflag.FlagSet, env *environment) *runner.Project {
	p := &runner.Project{LookupEnv: env.lookup}
	p.ProjectName, _ = env.value("WERF_PROJECT_NAME")
	env.stringFlag(fs, &p.Dir, "dir", "WERF_DIR", "", "project directory: where werf.yaml is; must be inside a git worktree (default $WERF_DIR or the current directory)")
	env.stringFlag(fs, &p.ConfigPath, "config", "WERF_CONFIG", "", "werf.yaml to use instead of werf.yaml or werf.yml in the project directory ($WERF_CONFIG)")
	env.stringFlag(fs, &p.TemplatesDir, "config-templates-dir", "WERF_CONFIG_TEMPLATES_DIR", "", "directory of extra templates, **/*.tmpl (default $WERF_CONFIG_TEMPLATES_DIR or .werf)")
	env.stringFlag(fs, &p.GiterminismConfig, "giterminism-config", "WERF_GITERMINISM_CONFIG", "", "giterminism configuration, relative to the project directory (default $WERF_GITERMINISM_CONFIG or werf-giterminism.yaml)")
	env.stringFlag(fs, &p.Env, "env", "WERF_ENV", "", "environment name, .Env in werf.yaml templates ($WERF_ENV)")
	env.boolFlag(fs, &p.Dev, "dev", "", "WERF_DEV", false, "read the working tree (tracked changes and untracked files .gitignore keeps) instead of the HEAD commit; the repository is not changed ($WERF_DEV)")
	env.boolFlag(fs, &p.Loose, "loose-giterminism", "", "WERF_LOOSE_GITERMINISM", false, "read the configuration from disk and allow everything werf-giterminism.yaml could allow ($WERF_LOOSE_GITERMINISM)")
	return p
}
