package cleanup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Options configure a cleanup.
type Options struct {
	Images      []string // werf.yaml's image names
	Cleanup     config.Cleanup
	GitWorktree config.GitWorktree
	// KeepHours is --keep-stages-built-within-last-n-hours; nil takes
	// werf.yaml's keepImagesBuiltWithinLastNHours, else werf's 2.
	KeepHours *int
	KeepList  []string // stage tags kept whatever else (--keep-list)
	// Deployed are the images running workloads use, each with the
	// workloads; nil turns the Kubernetes-based policy off.
	Deployed map[string][]string
	DryRun   bool
	Parallel int // registry requests at once; 0 is werf's 10
	Now      func() time.Time
	Out      io.Writer // where the decisions are printed
}

// DefaultParallel is werf's --parallel-tasks-limit for cleanup.
const DefaultParallel = 10

// DefaultKeepHours is werf's keepImagesBuiltWithinLastNHours.
const DefaultKeepHours = 2

// ErrShallowClone is a cleanup refused for want of git history.
var ErrShallowClone = errors.New("shallow clone")

// Run cleans up the repository of s as werf's cleanup does: it reads the
// repository and git, decides, prints every decision, and (unless DryRun)
// deletes what nothing keeps, then writes werf's cleanup record.
func Run(ctx context.Context, s *registry.Storage, git *source.History, o Options) (*Report, error) {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	var commits history = git
	if !o.Cleanup.Disable && !o.Cleanup.DisableGitHistoryBasedPolicy {
		shallow, err := git.Shallow()
		if err != nil {
			return nil, err
		}
		forced := o.GitWorktree.ForceShallowClone != nil && *o.GitWorktree.ForceShallowClone
		switch {
		case shallow && forced:
			// The history ends where the clone does.
			commits = shallowHistory{git}
		case shallow:
			return nil, fmt.Errorf("%w: the git repository %s has only part of its history, and the git-history-based cleanup walks all of each kept branch's history: stages those branches still need would look unused. Nothing was deleted. Fetch the whole history first: git fetch --unshallow origin (GitHub Actions: actions/checkout with fetch-depth: 0; GitLab CI: GIT_DEPTH: 0); or, to clean up with the history there is, set gitWorktree.forceShallowClone: true in werf.yaml", ErrShallowClone, git.RepoDir())
		}
	}

	inv, err := s.Inventory(ctx, o.Parallel)
	if err != nil {
		return nil, err
	}
	p := policies{images: o.Images, cleanup: o.Cleanup, keepHours: DefaultKeepHours, deployed: o.Deployed, now: o.Now(), keepList: map[string]bool{}, cacheRepos: map[string]map[string]bool{}}
	if o.Cleanup.KeepImagesBuiltWithinLastNHours != nil {
		p.keepHours = *o.Cleanup.KeepImagesBuiltWithinLastNHours
	}
	if o.KeepHours != nil {
		p.keepHours = *o.KeepHours
	}
	for _, t := range o.KeepList {
		p.keepList[t] = true
	}
	if p.finalRepo = s.FinalRepo(); p.finalRepo != "" && !o.Cleanup.Disable {
		if p.finalTags, err = s.RepoTags(ctx, p.finalRepo); err != nil {
			return nil, err
		}
	}
	for _, c := range s.CacheRepos() {
		tags, err := s.RepoTags(ctx, c)
		if err != nil {
			fmt.Fprintf(o.Out, "Warning: %v (stages deleted from --repo stay in %s)\n", err, c)
			continue
		}
		set := map[string]bool{}
		for _, t := range tags {
			set[t] = true
		}
		p.cacheRepos[c] = set
	}

	// What builds did while the repository was read: what they published
	// or linked to a commit is kept.
	delta, err := s.InventorySince(ctx, inv, o.Parallel)
	if err != nil {
		return nil, err
	}

	pl, err := decideWithConcurrent(inv, delta, commits, p)
	if err != nil {
		return nil, err
	}
	rep := &Report{DryRun: o.DryRun}
	printPlan(o.Out, pl, p, o.DryRun)
	rep.Kept = pl.kept
	if o.DryRun {
		rep.Deleted = pl.all()
		return rep, nil
	}
	if err := execute(ctx, s, inv, pl, o, rep); err != nil {
		return rep, err
	}
	if !o.Cleanup.Disable {
		if err := s.WriteCleanupRecord(ctx); err != nil {
			fmt.Fprintf(o.Out, "Warning: the cleanup record was not written: %v\n", err)
		}
	}
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("%d of %d deletions failed (see the warnings above); what failed is kept and the next cleanup tries again", len(rep.Failed), len(rep.Failed)+len(rep.Deleted))
	}
	return rep, nil
}

// decideWithConcurrent decides with what appeared while the repository was
// read: new stages are kept (with what they need), and so are the stages new
// meta and custom-tag records name.
func decideWithConcurrent(inv, delta *registry.Inventory, git history, p policies) (*plan, error) {
	if len(delta.Tags) == 0 {
		return decide(inv, git, p)
	}
	merged := *inv
	merged.Tags = append(append([]string(nil), inv.Tags...), delta.Tags...)
	merged.Stages = append(append([]*registry.StoredStage(nil), inv.Stages...), delta.Stages...)
	// A new stage's import names its source through a record it may have just
	// written: the record protects the source, and stays.
	merged.Imports = append(append([]registry.ImportRecord(nil), inv.Imports...), delta.Imports...)
	p.concurrentImports = map[string]bool{}
	for _, r := range delta.Imports {
		p.concurrentImports[r.Tag] = true
	}
	// The new records themselves are left out of this cleanup's decisions:
	// their commits may not be fetched yet, and they are the build's to write.
	keep := map[string]string{}
	for _, st := range delta.Stages {
		keep[st.ID] = "published during this cleanup"
	}
	for _, m := range delta.Meta {
		keep[m.StageID] = "linked to commit " + short(m.Commit) + " during this cleanup"
	}
	for _, c := range delta.CustomTags {
		if !c.Invalid {
			keep[c.StageID] = "given custom tag " + c.CustomTag + " during this cleanup"
		}
	}
	p.concurrent = keep
	return decide(&merged, git, p)
}

// all is every deletion of the plan, in order.
func (pl *plan) all() []Item {
	var out []Item
	for _, r := range pl.rejected {
		out = append(out, r...)
	}
	for _, list := range [][]Item{pl.deleteStages, pl.deleteCaches, pl.deleteCustom, pl.deleteImports, pl.deleteMeta, pl.deleteManaged, pl.deleteFinal} {
		out = append(out, list...)
	}
	return out
}

// knownDigests are the manifests of the stage tags the inventory read.
func knownDigests(inv *registry.Inventory) map[string]v1.Hash {
	out := make(map[string]v1.Hash, len(inv.Stages))
	for _, st := range inv.Stages {
		out[st.ID] = st.Manifest
	}
	return out
}

// shallowHistory is a shallow clone's history, taken as it is
// (gitWorktree.forceShallowClone): a commit beyond its depth has no parents.
type shallowHistory struct{ *source.History }

func (h shallowHistory) Commit(hash string) (*source.Commit, error) {
	c, err := h.History.Commit(hash)
	if errors.Is(err, source.ErrCommitNotFound) {
		return &source.Commit{Hash: hash}, nil
	}
	return c, err
}
