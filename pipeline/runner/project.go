package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
)

// Project says where the project is and how its configuration is read.
type Project struct {
	Dir               string // where werf.yaml is, inside a git worktree; "" is the current directory
	ConfigPath        string // --config, relative to the current directory
	TemplatesDir      string // --config-templates-dir, relative to the current directory
	GiterminismConfig string // relative to the project directory
	Env               string // .Env in templates
	Dev               bool   // read the working tree instead of HEAD
	Loose             bool   // --loose-giterminism
	ProjectName       string // WERF_PROJECT_NAME
	LookupEnv         func(string) (string, bool)
}

// Load opens the project and loads its configuration.
func (p Project) Load() (*source.Snapshot, *config.Config, error) {
	var opts []source.Option
	if p.Dev {
		opts = append(opts, source.WithWorktree())
	}
	return p.load(false, opts...)
}

// LoadAt reads the project as it was at a commit (a hash, branch or tag), to
// compare with: every file as that commit has it.
func (p Project) LoadAt(commit string) (*source.Snapshot, *config.Config, error) {
	return p.load(true, source.AtCommit(commit))
}

// load opens the project and loads its configuration; pinned reads it from the
// snapshot alone (a past commit).
func (p Project) load(pinned bool, opts ...source.Option) (*source.Snapshot, *config.Config, error) {
	dir := p.Dir
	if dir == "" {
		dir = "."
	}
	snap, err := source.Open(dir, opts...)
	if err != nil {
		return nil, nil, err
	}
	configPath, err := projectRelative(snap, "--config", p.ConfigPath)
	if err != nil {
		return nil, nil, err
	}
	templatesDir, err := projectRelative(snap, "--config-templates-dir", p.TemplatesDir)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(snap, config.Options{
		ConfigPath:        configPath,
		TemplatesDir:      templatesDir,
		GiterminismConfig: p.GiterminismConfig,
		Env:               p.Env,
		LooseGiterminism:  p.Loose && !pinned,
		Pinned:            pinned,
		ProjectName:       p.ProjectName,
		LookupEnv:         p.LookupEnv,
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
