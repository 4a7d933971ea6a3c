package module

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// The Dagger module's functions are given a runner.Module (the exported
// source, its variables and credentials); these turn it into the jobs above,
// so that the command line and the module run the same code.

// BuildOf is the build the Dagger module's module-build function runs; its
// report goes to workDir/report.json.
func BuildOf(m runner.Module, workDir string, t Target, tag string) (Build, error) {
	p, err := m.Project()
	if err != nil {
		return Build{}, err
	}
	if t, err = t.Resolve(p, false); err != nil {
		return Build{}, err
	}
	m.Repo = t.Repo
	b, err := m.Build(workDir)
	if err != nil {
		return Build{}, err
	}
	return Build{Build: b, Target: t, Tag: tag}, nil
}

// ReleaseOf is the release the module-release function runs, of the build
// whose report (JSON) it is given.
func ReleaseOf(m runner.Module, workDir string, t Target, tag, report string) (Release, error) {
	p, access, err := projectAndAccess(m, workDir)
	if err != nil {
		return Release{}, err
	}
	path := filepath.Join(workDir, "build-report.json")
	if err := os.WriteFile(path, []byte(report), 0o600); err != nil {
		return Release{}, fmt.Errorf("build report: %w", err)
	}
	r, err := pipeline.ReadReport(path)
	if err != nil {
		return Release{}, err
	}
	return Release{Target: t, Project: p, Access: access, Tag: tag, Report: r, Version: m.Version}, nil
}

// DeployOf is the deploy the module-deploy function runs.
func DeployOf(m runner.Module, workDir string, t Target, tag, channel string) (Deploy, error) {
	p, access, err := projectAndAccess(m, workDir)
	if err != nil {
		return Deploy{}, err
	}
	return Deploy{Target: t, Project: p, Access: access, Tag: tag, Channel: channel, Version: m.Version}, nil
}

func projectAndAccess(m runner.Module, workDir string) (runner.Project, runner.Storage, error) {
	p, err := m.Project()
	if err != nil {
		return runner.Project{}, runner.Storage{}, err
	}
	access, err := m.Storage(workDir)
	if err != nil {
		return runner.Project{}, runner.Storage{}, err
	}
	return p, access, nil
}
