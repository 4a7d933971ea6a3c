package gitmap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/dagwerf/dagwerf/stages/lstree"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// User stages that may declare stageDependencies (werf's StageName values).
const (
	StageInstall     = "install"
	StageBeforeSetup = "beforeSetup"
	StageSetup       = "setup"
)

func (m *Mapping) stageDependencies(stage string) ([]string, error) {
	d := m.spec.stageDependencies
	switch stage {
	case StageInstall:
		return d.Install, nil
	case StageBeforeSetup:
		return d.BeforeSetup, nil
	case StageSetup:
		return d.Setup, nil
	}
	return nil, fmt.Errorf("stage %q has no stageDependencies (install, beforeSetup and setup have)", stage)
}

// StageDependenciesChecksum is werf's StageDependenciesChecksum for a user
// stage ("install", "beforeSetup", "setup"): "" when the mapping declares none.
// Each glob, seen from add and within what the mapping takes, adds the
// checksum of the git objects it matches at the latest commit; a glob that
// matches nothing adds nothing (werf warns).
func (m *Mapping) StageDependenciesChecksum(ctx context.Context, stage string) (string, error) {
	return m.checksums.Get(stage, func() (string, error) { return m.stageDependenciesChecksum(ctx, stage) })
}

func (m *Mapping) stageDependenciesChecksum(ctx context.Context, stage string) (string, error) {
	globs, err := m.stageDependencies(stage)
	if err != nil {
		return "", err
	}
	if len(globs) == 0 {
		return "", nil
	}
	snap, err := m.repo.snapshot(m.latest.Commit)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, g := range globs {
		dep, err := pathmatch.New(m.spec.add, []string{g}, nil)
		if err != nil {
			return "", fmt.Errorf("stageDependencies.%s %q: %w", stage, g, err)
		}
		res, err := lstree.Walk(ctx, snap, m.spec.add, pathmatch.All(m.matcher, dep), lstree.Options{})
		if err != nil {
			return "", fmt.Errorf("stageDependencies.%s %q: %w", stage, g, err)
		}
		sum := res.Checksum()
		if sum == "" {
			m.warnf("WARNING: stage %s dependency path %q has not been found in %s git\n", stage, path.Join(m.spec.add, g), m.spec.repoName)
			continue
		}
		h.Write([]byte(sum))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// IsEmpty reports whether the mapping matches no file at Latest (werf then
// refuses the build).
func (m *Mapping) IsEmpty(ctx context.Context) (bool, error) {
	scope, err := m.pathScope(m.latest.Commit)
	if err != nil {
		return true, fmt.Errorf("unable to get path scope: %w", err)
	}
	snap, err := m.repo.snapshot(m.latest.Commit)
	if err != nil {
		return true, err
	}
	res, err := lstree.Walk(ctx, snap, scope, m.matcher, lstree.Options{AllFiles: true})
	if err != nil {
		return true, err
	}
	return res.Empty(), nil
}

// EmptyError is werf's refusal of a mapping that matches no file (the
// gitArchive stage's IsEmpty).
func (m *Mapping) EmptyError() error {
	return fmt.Errorf(`"git.add: /%s" in werf.yaml matches no files. git.add requires at least one file matched by it. Fix and retry`, m.spec.add)
}
