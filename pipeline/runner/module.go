package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Module is what a function of the Dagger module is given, once the module has
// exported its source directory and read its secrets. The functions of the
// module only convert their arguments into a Module; what follows is here, where
// the command line's code is and where it is tested.
type Module struct {
	Source    string            // the exported source directory, with .git
	Dir       string            // the project directory (werf.yaml's) inside Source; "" is Source
	Env       string            // WERF_ENV
	Dev       bool              // build the working tree of the source
	Images    []string          // names or globs
	Platforms []string          // override werf.yaml's
	Variables map[string]string // the environment werf.yaml sees: template variables and env secrets

	Repo               string
	FinalRepo          string
	MetaRepo           string
	CacheRepos         []string
	SecondaryRepos     []string
	CustomTags         []string
	Synchronization    string
	Insecure           bool // plain HTTP to the repositories' registries (--insecure-registry)
	SkipTLSVerify      bool // any TLS certificate from them (--skip-tls-verify-registry)
	ParallelTasksLimit int  // at most this many images at once; 0 or less is no limit
	KeepGoing          bool
	Credentials        []Credential // per registry, before the Docker config
	DockerConfigJSON   string       // a Docker config.json; "" is none
	Version            string
}

// errModuleNeedsRepo: a module function runs in a container of its own, whose
// 127.0.0.1 the engine cannot reach, so the local store is of no use there.
var errModuleNeedsRepo = errors.New("repo is required in the Dagger module: the local stages store lives in the function's container, which the engine cannot push to; give --repo=REGISTRY/PROJECT")

// Project is the project of the source, reading only the given variables: the
// function's own environment is not the caller's.
func (m Module) Project() (Project, error) {
	if m.Source == "" {
		return Project{}, errors.New("no source directory")
	}
	dir := m.Source
	if m.Dir != "" {
		rel := filepath.Clean(m.Dir)
		if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return Project{}, fmt.Errorf("dir %s: must be a directory inside the source", m.Dir)
		}
		dir = filepath.Join(m.Source, rel)
	}
	vars := m.Variables
	return Project{
		Dir: dir, Env: m.Env, Dev: m.Dev,
		LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}, nil
}

func (m Module) plan() Plan {
	p := DefaultPlan
	p.Platforms, p.Limit = m.Platforms, m.ParallelTasksLimit
	return p
}

// Storage is where stages are kept, with credentials from the arguments only:
// the Docker config given, written into workDir, else none.
func (m Module) Storage(workDir string) (Storage, error) {
	s := Storage{
		Repo: m.Repo, FinalRepo: m.FinalRepo, MetaRepo: m.MetaRepo, CacheRepos: m.CacheRepos, SecondaryRepos: m.SecondaryRepos,
		Credentials: m.Credentials, Synchronization: m.Synchronization,
		Insecure: m.Insecure, SkipTLSVerify: m.SkipTLSVerify,
		DockerConfig: filepath.Join(workDir, "docker"),
	}
	if err := os.MkdirAll(s.DockerConfig, 0o700); err != nil {
		return Storage{}, err
	}
	if m.DockerConfigJSON != "" {
		if !json.Valid([]byte(m.DockerConfigJSON)) {
			return Storage{}, errors.New("dockerConfig: not a Docker config.json (invalid JSON)")
		}
		if err := os.WriteFile(filepath.Join(s.DockerConfig, "config.json"), []byte(m.DockerConfigJSON), 0o600); err != nil {
			return Storage{}, fmt.Errorf("dockerConfig: %w", err)
		}
	}
	return s, nil
}

// Build is the build the module's build function runs; its report goes to
// workDir/report.json.
func (m Module) Build(workDir string) (Build, error) {
	if m.Repo == "" {
		return Build{}, errModuleNeedsRepo
	}
	project, err := m.Project()
	if err != nil {
		return Build{}, err
	}
	storage, err := m.Storage(workDir)
	if err != nil {
		return Build{}, err
	}
	return Build{
		Project: project, Plan: m.plan(), Storage: storage,
		Images: m.Images, CustomTags: m.CustomTags, KeepGoing: m.KeepGoing,
		ReportPath: filepath.Join(workDir, "report.json"), Version: m.Version,
	}, nil
}

// Digest is what the module's digest function computes; without a repo, images
// that import from a dependency cannot be addressed and say so.
func (m Module) Digest(workDir string) (Digest, error) {
	project, err := m.Project()
	if err != nil {
		return Digest{}, err
	}
	d := Digest{Project: project, Plan: m.plan(), Images: m.Images}
	if m.Repo == "" {
		// The function's local store is always empty: images that import from a
		// dependency say that they need its stage in a registry.
		d.noStorage = true
		return d, nil
	}
	if d.Storage, err = m.Storage(workDir); err != nil {
		return Digest{}, err
	}
	return d, nil
}

// PlanText is what the module's plan function prints: werf's plan, undecorated.
func (m Module) PlanText() (string, error) {
	project, err := m.Project()
	if err != nil {
		return "", err
	}
	_, cfg, err := project.Load()
	if err != nil {
		return "", err
	}
	plan, err := m.plan().Make(cfg, m.Images)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := plan.Print(&b, false); err != nil {
		return "", err
	}
	return b.String(), nil
}

// DigestText is what the module's digest function prints: a line per image and
// platform, as `dagwerf digest` prints them, or the error that kept any from
// being computed.
func (m Module) DigestText(ctx context.Context, workDir string) (string, error) {
	d, err := m.Digest(workDir)
	if err != nil {
		return "", err
	}
	lines, err := d.Run(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := WriteDigests(&b, lines, false); err != nil {
		return "", err
	}
	return b.String(), nil
}

// ModuleCleanup is what the module's cleanup function is given besides the
// Module: werf's cleanup flags.
type ModuleCleanup struct {
	DryRun      bool
	KeepHours   *int   // nil: werf.yaml's, else 2
	WithoutKube bool   // clean up without the Kubernetes-based policy
	KubeConfig  string // a kubeconfig's content; "" is none
	KubeContext string
}

// Cleanup is the cleanup the module's cleanup function runs. origin's
// branches and tags are read as the source has them: the function's
// container cannot fetch the caller's origin, so the caller fetches first.
func (m Module) Cleanup(workDir string, c ModuleCleanup) (Cleanup, error) {
	if m.Repo == "" {
		return Cleanup{}, ErrCleanupNeedsRepo
	}
	project, err := m.Project()
	if err != nil {
		return Cleanup{}, err
	}
	storage, err := m.Storage(workDir)
	if err != nil {
		return Cleanup{}, err
	}
	out := Cleanup{
		Project: project, Storage: storage, DryRun: c.DryRun, KeepHours: c.KeepHours,
		WithoutKube: c.WithoutKube, NoFetch: true, Version: m.Version,
		Parallel: m.ParallelTasksLimit,
	}
	out.Kube.Context = c.KubeContext
	if c.KubeConfig != "" {
		out.Kube.ConfigPath = filepath.Join(workDir, "kubeconfig")
		if err := os.WriteFile(out.Kube.ConfigPath, []byte(c.KubeConfig), 0o600); err != nil {
			return Cleanup{}, fmt.Errorf("kubeConfig: %w", err)
		}
	} else if !c.WithoutKube {
		// The function's container has no kubeconfig of its own to fall back on.
		out.Kube.ConfigPath = filepath.Join(workDir, "no-kubeconfig")
		if err := os.WriteFile(out.Kube.ConfigPath, nil, 0o600); err != nil {
			return Cleanup{}, err
		}
	}
	return out, nil
}
