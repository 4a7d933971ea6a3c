package stapel

import (
	"context"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// gitOps is what the chain asks of a git mapping: exactly the methods of
// *gitmap.Mapping. The chain holds this interface so that its tests can drive
// git stages through histories that would need many commits to set up.
type gitOps interface {
	ParamsHash() string
	Latest(ctx context.Context) (gitmap.CommitInfo, error)
	IsEmpty(ctx context.Context) (bool, error)
	StageDependenciesChecksum(ctx context.Context, stage string) (string, error)
	Labels(info gitmap.CommitInfo) map[string]string
	ArchiveType() (string, error)
	TypeLabel() string
	Recorded(labels map[string]string) (gitmap.CommitInfo, error)
	BaseCommit(ctx context.Context, prevLabels map[string]string) (string, error)
	HasCommit(ctx context.Context, commit string) (bool, error)
	IsAncestor(ctx context.Context, commit, of string) (bool, error)
	PatchSize(ctx context.Context, from string) (int64, error)
	IsPatchEmpty(ctx context.Context, from string) (bool, error)
	PatchContent(ctx context.Context, from string) (string, error)
}

var _ gitOps = (*gitmap.Mapping)(nil)

// mapping is one git mapping of the image: its config and its repository.
type mapping struct {
	cfg config.GitMapping
	git gitOps
}

// name says which mapping an error or an input is about.
func (m mapping) name() string {
	repo := m.cfg.Name
	if repo == "" {
		repo = "own"
	}
	return "git " + repo + " " + m.cfg.Add + " -> " + m.cfg.To
}

// orderMappings puts the local mappings first and the remote ones after them,
// each in config order, as werf's generateGitMappings does.
func orderMappings(ms []mapping) []mapping {
	out := make([]mapping, 0, len(ms))
	for _, m := range ms {
		if m.cfg.IsLocal() {
			out = append(out, m)
		}
	}
	for _, m := range ms {
		if !m.cfg.IsLocal() {
			out = append(out, m)
		}
	}
	return out
}
