// Package gitmap is werf v2's git mappings of a Stapel image
// (pkg/build/stage/git_mapping.go): what each mapping contributes to stage
// digests and labels, computed from git objects of the project's repository or
// of a remote one fetched into a cache. It reads the repository and never the
// registry: the commits recorded in found stages come in as labels.
//
// THIS FILE IS THE API CONTRACT between the Stapel addressing (package stapel)
// and this package; the bodies are being written.
package gitmap

import (
	"context"
	"errors"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
)

var errTODO = errors.New("gitmap: not implemented yet")

// Options are what opening an image's mappings takes.
type Options struct {
	// Project is the project's repository at the commit being built.
	Project *source.Snapshot
	// CacheDir holds fetched remote repositories ($DAGWERF_HOME/git).
	CacheDir string
}

// Mapping is one git mapping of an image, bound to its repository.
type Mapping struct {
	Config config.GitMapping
}

// Open binds an image's mappings to their repositories, fetching remote ones.
func Open(ctx context.Context, mappings []config.GitMapping, opts Options) ([]*Mapping, error) {
	return nil, errTODO
}

// CommitInfo is the commit a mapping takes its files from.
type CommitInfo struct {
	Commit                 string
	VirtualMerge           bool
	VirtualMergeFromCommit string
	VirtualMergeIntoCommit string
}

// ParamsHash is werf's GetParamshash: what the gitArchive stage digests.
func (m *Mapping) ParamsHash() string { return "" }

// Latest is the commit the mapping builds from now (GetLatestCommitInfo).
func (m *Mapping) Latest(ctx context.Context) (CommitInfo, error) { return CommitInfo{}, errTODO }

// IsEmpty reports whether the mapping matches no file at Latest (werf then
// refuses the build).
func (m *Mapping) IsEmpty(ctx context.Context) (bool, error) { return false, errTODO }

// StageDependenciesChecksum is werf's StageDependenciesChecksum for a user
// stage ("install", "beforeSetup", "setup"): "" when the mapping declares none.
func (m *Mapping) StageDependenciesChecksum(ctx context.Context, stage string) (string, error) {
	return "", errTODO
}

// Labels are the labels a stage built now records for this mapping
// (AddGitCommitToImageLabels).
func (m *Mapping) Labels(info CommitInfo) map[string]string { return nil }

// Recorded reads the commit a found stage recorded for this mapping
// (GetBuiltImageCommitInfo).
func (m *Mapping) Recorded(labels map[string]string) (CommitInfo, error) {
	return CommitInfo{}, errTODO
}

// BaseCommit is the commit a later git stage patches from, given the labels of
// the previous built stage (GetBaseCommitForPrevBuiltImage).
func (m *Mapping) BaseCommit(ctx context.Context, prevLabels map[string]string) (string, error) {
	return "", errTODO
}

// HasCommit reports whether the mapping's repository has a commit.
func (m *Mapping) HasCommit(ctx context.Context, commit string) (bool, error) { return false, errTODO }

// IsAncestor reports whether commit is an ancestor of (or equal to) of.
func (m *Mapping) IsAncestor(ctx context.Context, commit, of string) (bool, error) {
	return false, errTODO
}

// PatchSize is werf's PatchSize from a commit to Latest (the gitCache rule).
func (m *Mapping) PatchSize(ctx context.Context, from string) (int64, error) { return 0, errTODO }

// IsPatchEmpty reports whether nothing the mapping takes changed from a commit
// to Latest.
func (m *Mapping) IsPatchEmpty(ctx context.Context, from string) (bool, error) { return false, errTODO }

// PatchContent is the patch text werf hashes into gitLatestPatch's digest.
func (m *Mapping) PatchContent(ctx context.Context, from string) (string, error) { return "", errTODO }
