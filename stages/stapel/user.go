package stapel

import (
	"context"
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
)

// userStep is one of the four shell stages (pkg/build/stage/user.go and
// pkg/build/builder/shell.go). install, beforeSetup and setup come after
// gitArchive: their digests also take the mappings' stageDependencies
// checksums, and they hand on the mappings' commits.
type userStep struct {
	baseStep
	stage    StageName
	checksum string  // the shell builder's checksum of the stage
	parts    []Input // what it hashes
}

// newUserStep is the stage when the shell section gives it a checksum: any
// command, or a cache version — a cacheVersion alone makes all four stages.
func newUserStep(sh *config.Shell, name StageName) *userStep {
	if sh == nil {
		return nil
	}
	var commands []string
	var stageVersion string
	switch name {
	case BeforeInstall:
		commands, stageVersion = sh.BeforeInstall, sh.BeforeInstallCacheVersion
	case Install:
		commands, stageVersion = sh.Install, sh.InstallCacheVersion
	case BeforeSetup:
		commands, stageVersion = sh.BeforeSetup, sh.BeforeSetupCacheVersion
	case Setup:
		commands, stageVersion = sh.Setup, sh.SetupCacheVersion
	}
	parts := make([]Input, 0, len(commands)+1)
	for i, cmd := range commands {
		parts = append(parts, Input{fmt.Sprintf("shell.%s[%d]", name, i), cmd})
	}
	// shell.go stageVersionChecksum: the stage's cache version, then the
	// section's, hashed together when there is any.
	var versions []string
	if stageVersion != "" {
		versions = append(versions, stageVersion)
	}
	if sh.CacheVersion != "" {
		versions = append(versions, sh.CacheVersion)
	}
	if len(versions) > 0 {
		parts = append(parts, Input{fmt.Sprintf("shell cache versions (%sCacheVersion, cacheVersion)", name), stages.Sha256(versions...)})
	}
	if len(parts) == 0 {
		return nil
	}
	return &userStep{stage: name, checksum: stages.Sha256(values(parts)...), parts: parts}
}

func (u *userStep) name() StageName { return u.stage }

// afterGit reports whether the stage is one werf gives git patches
// (UserWithGitPatchStage): all but beforeInstall.
func (u *userStep) afterGit() bool { return u.stage != BeforeInstall }

func (u *userStep) handsOnCommits() bool { return u.afterGit() }

func (u *userStep) byAncestry(c *Chain) bool { return u.afterGit() && len(c.git) > 0 }

// dependencies: beforeInstall digests the shell checksum; the others the
// SHA-256 of it and of the mappings' stageDependencies checksums.
func (u *userStep) dependencies(ctx context.Context, c *Chain, _ *resolved, _ *Stage) (string, []Input, error) {
	if !u.afterGit() {
		return u.checksum, u.parts, nil
	}
	parts := append([]Input{{"shell checksum", u.checksum}}, u.parts...)
	sums := make([]string, len(c.git))
	for i, m := range c.git {
		sum, err := m.git.StageDependenciesChecksum(ctx, string(u.stage))
		if err != nil {
			return "", nil, fmt.Errorf("%s: stageDependencies.%s: %w", m.name(), u.stage, err)
		}
		sums[i] = sum
		parts = append(parts, Input{m.name() + " stageDependencies." + string(u.stage), sum})
	}
	return stages.Sha256(u.checksum, stages.Sha256(sums...)), parts, nil
}

// labels: the mounts, and for a stage after gitArchive built on an image
// whose commits are not the current ones (a git patch is applied), every
// mapping's current commit.
func (u *userStep) labels(ctx context.Context, c *Chain, prev *resolved, _ *Stage) (map[string]string, error) {
	prevLabels, err := c.labelsOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	out := mountLabels(prevLabels, c.img.Stapel.Mounts)
	if !u.afterGit() || len(c.git) == 0 {
		return out, nil
	}
	current, err := c.patchedToCurrent(ctx, prevLabels)
	if err != nil {
		return nil, err
	}
	if !current {
		if err := c.addCommitLabels(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}
