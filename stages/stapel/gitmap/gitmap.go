// Package gitmap is werf v2's git mappings of a Stapel image
// (pkg/build/stage/git_mapping.go): what each mapping contributes to stage
// digests and labels, computed from git objects of the project's repository or
// of a remote one fetched into a cache. It reads the repository and never the
// registry: the commits recorded in found stages come in as labels.
//
// Trees are read as git objects (package source); patches come from the git
// command line with werf's options and are filtered as werf filters them, so
// that their bytes, and the digests made of them, are werf's. The only writes
// are to the cache of remote repositories, and, for a virtual merge, werf's
// detached merge commit into the repository's object store.
package gitmap

import (
	"context"
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/internal/once"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Options are what opening an image's mappings takes.
type Options struct {
	// Project is the project's repository at the commit being built.
	Project *source.Snapshot
	// CacheDir holds fetched remote repositories ($DAGWERF_HOME/git).
	CacheDir string
	// Repos are the repositories of the build, shared by the images' Open
	// calls so that each remote one is fetched once; nil: this call's own.
	Repos *Repos
	// VirtualMerge is werf's --virtual-merge: the project's HEAD is a merge
	// commit standing for its second parent merged into its first.
	VirtualMerge bool
	// DisableAncestryCheck is werf's WERF_DISABLE_GIT_COMMIT_ANCESTRY_CHECK: a
	// found git stage is used whether or not its commits are ancestors.
	DisableAncestryCheck bool
	// Warnf receives werf's warnings (a stage dependency that matches nothing);
	// nil drops them.
	Warnf func(format string, args ...any)
}

// Mapping is one git mapping of an image, bound to its repository. It is safe
// for concurrent use.
type Mapping struct {
	Config config.GitMapping

	spec       spec
	paramsHash string
	matcher    pathmatch.Matcher
	repo       *repository
	latest     CommitInfo
	opts       Options

	patches   once.Map[patchKey, *patchResult]
	checksums once.Map[string, string] // per user stage
}

// Open binds an image's mappings to their repositories, fetching remote ones,
// and resolves the commit each builds from (werf does both when it
// initializes an image's git mappings; an unknown branch, tag or commit fails
// here).
func Open(ctx context.Context, mappings []config.GitMapping, opts Options) ([]*Mapping, error) {
	repos := opts.Repos
	if repos == nil {
		repos = NewRepos()
	}
	out := make([]*Mapping, 0, len(mappings))
	for _, g := range mappings {
		m, err := open(ctx, g, repos, opts)
		if err != nil {
			return nil, fmt.Errorf("git mapping %s: %w", describe(g), err)
		}
		out = append(out, m)
	}
	return out, nil
}

func open(ctx context.Context, g config.GitMapping, repos *Repos, opts Options) (*Mapping, error) {
	s := newSpec(g)
	matcher, err := newMatcher(s)
	if err != nil {
		return nil, err
	}
	m := &Mapping{Config: g, spec: s, paramsHash: s.paramsHash(), matcher: matcher, opts: opts}
	var commit string
	if g.IsLocal() {
		if m.repo, err = repos.localRepo(ctx, opts.Project); err != nil {
			return nil, err
		}
		commit = opts.Project.Commit()
	} else {
		r, err := repos.remoteRepo(ctx, g, opts.CacheDir)
		if err != nil {
			return nil, err
		}
		m.repo = r.repository
		if commit, err = r.resolve(s); err != nil {
			return nil, err
		}
	}
	if m.latest, err = m.commitInfo(commit); err != nil {
		return nil, err
	}
	// werf's makeGitMappingTo: a single file cannot be put at the root.
	if s.to == "/" {
		dir, err := m.addIsDir(commit)
		if err != nil {
			return nil, err
		}
		if !dir {
			return nil, fmt.Errorf("for git repo %q specifying `to: /` when adding a single file from git with `add: %s` is not allowed. Fix this by changing `to: /` to `to: /%s`", s.repoName, s.add, baseName(s.add))
		}
	}
	return m, nil
}

// describe names a mapping in errors the way werf.yaml spells it.
func describe(g config.GitMapping) string {
	add := g.Add
	if add == "" {
		add = "/"
	}
	if g.IsLocal() {
		return fmt.Sprintf("add: %s, to: %s", add, g.To)
	}
	return fmt.Sprintf("add: %s, to: %s of %s", add, g.To, redactURL(g.URL))
}

func (m *Mapping) warnf(format string, args ...any) {
	if m.opts.Warnf != nil {
		m.opts.Warnf(format, args...)
	}
}
