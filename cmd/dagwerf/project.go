package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
)

// projectFlags say where the project is and how its configuration is read; every
// command that loads werf.yaml takes them.
type projectFlags struct {
	dir               string
	configPath        string
	templatesDir      string
	giterminismConfig string
	env               string
	dev               bool
	loose             bool
	projectName       string
	lookupEnv         func(string) (string, bool)
}

func addProjectFlags(fs *pflag.FlagSet, env *environment) *projectFlags {
	f := &projectFlags{lookupEnv: env.lookup}
	f.projectName, _ = env.value("WERF_PROJECT_NAME")
	env.stringFlag(fs, &f.dir, "dir", "WERF_DIR", "", "project directory: where werf.yaml is; must be inside a git worktree (default $WERF_DIR or the current directory)")
	env.stringFlag(fs, &f.configPath, "config", "WERF_CONFIG", "", "werf.yaml to use instead of werf.yaml or werf.yml in the project directory ($WERF_CONFIG)")
	env.stringFlag(fs, &f.templatesDir, "config-templates-dir", "WERF_CONFIG_TEMPLATES_DIR", "", "directory of extra templates, **/*.tmpl (default $WERF_CONFIG_TEMPLATES_DIR or .werf)")
	env.stringFlag(fs, &f.giterminismConfig, "giterminism-config", "WERF_GITERMINISM_CONFIG", "", "giterminism configuration, relative to the project directory (default $WERF_GITERMINISM_CONFIG or werf-giterminism.yaml)")
	env.stringFlag(fs, &f.env, "env", "WERF_ENV", "", "environment name, .Env in werf.yaml templates ($WERF_ENV)")
	env.boolFlag(fs, &f.dev, "dev", "", "WERF_DEV", false, "read the working tree (tracked changes and untracked files .gitignore keeps) instead of the HEAD commit; the repository is not changed ($WERF_DEV)")
	env.boolFlag(fs, &f.loose, "loose-giterminism", "", "WERF_LOOSE_GITERMINISM", false, "read the configuration from disk and allow everything werf-giterminism.yaml could allow ($WERF_LOOSE_GITERMINISM)")
	return f
}

// load opens the project and loads its configuration.
func (f *projectFlags) load() (*source.Snapshot, *config.Config, error) {
	dir := f.dir
	if dir == "" {
		dir = "."
	}
	var opts []source.Option
	if f.dev {
		opts = append(opts, source.WithWorktree())
	}
	snap, err := source.Open(dir, opts...)
	if err != nil {
		return nil, nil, err
	}
	configPath, err := projectRelative(snap, "--config", f.configPath)
	if err != nil {
		return nil, nil, err
	}
	templatesDir, err := projectRelative(snap, "--config-templates-dir", f.templatesDir)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(snap, config.Options{
		ConfigPath:        configPath,
		TemplatesDir:      templatesDir,
		GiterminismConfig: f.giterminismConfig,
		Env:               f.env,
		LooseGiterminism:  f.loose,
		ProjectName:       f.projectName,
		LookupEnv:         f.lookupEnv,
	})
	if err != nil {
		return nil, nil, err
	}
	return snap, cfg, nil
}

// projectRelative turns a path given relative to the current directory (as werf
// takes --config) into one relative to the project directory.
func projectRelative(snap *source.Snapshot, flag, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, p, err)
	}
	if resolved, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(resolved, filepath.Base(abs))
	}
	rel, err := filepath.Rel(snap.ProjectDir(), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(os.PathSeparator)) {
		return "", fmt.Errorf("%s %s: must be inside the project directory %s", flag, p, snap.ProjectDir())
	}
	return filepath.ToSlash(rel), nil
}
