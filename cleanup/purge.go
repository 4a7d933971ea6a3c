package cleanup

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// PurgeOptions configure a purge.
type PurgeOptions struct {
	DryRun   bool
	Parallel int // 0 is werf's 10
	Out      io.Writer
}

// Purge deletes every stage and record of the project from --repo, its
// cache repos and its final repo, as werf's purge does (pkg/cleaning/
// purge.go): stages, import, managed-image and meta records, custom tags and
// their records, rejected stages, final stages. Stage tags whose manifest is
// gone or broken, which werf passes over, go too. It keeps the cleanup and
// synchronization records, as werf does.
func Purge(ctx context.Context, s *registry.Storage, o PurgeOptions) (*Report, error) {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	inv, err := s.Inventory(ctx, o.Parallel)
	if err != nil {
		return nil, err
	}
	pl := &plan{repo: inv.Repo, stages: newStageSet(inv.Stages)}
	const why = "purge"
	tags := map[string]bool{}
	for _, t := range inv.Tags {
		tags[t] = true
	}
	caches := map[string]map[string]bool{}
	for _, c := range s.CacheRepos() {
		list, err := s.RepoTags(ctx, c)
		if err != nil {
			fmt.Fprintf(o.Out, "Warning: %v (its stages stay)\n", err)
			continue
		}
		caches[c] = map[string]bool{}
		for _, t := range list {
			caches[c][t] = true
		}
	}
	stageIDs := slices.Concat(inv.Unavailable)
	for _, st := range inv.Stages {
		stageIDs = append(stageIDs, st.ID)
	}
	slices.Sort(stageIDs)
	for _, id := range stageIDs {
		pl.deleteStages = append(pl.deleteStages, Item{Repo: inv.Repo, Tag: id, Type: TypeStage, Reason: why})
		for _, c := range s.CacheRepos() {
			if caches[c][id] {
				pl.deleteCaches = append(pl.deleteCaches, Item{Repo: c, Tag: id, Type: TypeCacheStage, Reason: why})
			}
		}
	}
	customTags := map[string][]string{}
	for _, r := range inv.CustomTags {
		if r.Invalid {
			pl.deleteCustom = append(pl.deleteCustom, Item{Repo: inv.Repo, Tag: r.Tag, Type: TypeCustomTagMeta, Reason: why})
			continue
		}
		customTags[r.StageID] = append(customTags[r.StageID], r.CustomTag)
		if tags[r.CustomTag] && !slices.Contains(inv.Rejected, r.StageID) {
			pl.deleteCustom = append(pl.deleteCustom, Item{Repo: inv.Repo, Tag: r.CustomTag, Type: TypeCustomTag, Reason: why})
		}
		pl.deleteCustom = append(pl.deleteCustom, Item{Repo: inv.Repo, Tag: r.Tag, Type: TypeCustomTagMeta, Reason: why})
	}
	for _, id := range inv.Rejected {
		var items []Item
		if tags[id] {
			items = append(items, Item{Repo: inv.Repo, Tag: id, Type: TypeRejectedStage, Reason: why})
		}
		for _, t := range customTags[id] {
			if tags[t] {
				items = append(items, Item{Repo: inv.Repo, Tag: t, Type: TypeCustomTag, Reason: why})
			}
		}
		pl.rejected = append(pl.rejected, append(items, Item{Repo: inv.Repo, Tag: id + "-rejected", Type: TypeRejectedMark, Reason: why}))
	}
	for _, r := range inv.Imports {
		pl.deleteImports = append(pl.deleteImports, Item{Repo: inv.Repo, Tag: r.Tag, Type: TypeImportMeta, Reason: why})
	}
	for _, m := range inv.Meta {
		pl.deleteMeta = append(pl.deleteMeta, Item{Repo: inv.Repo, Tag: m.Tag, Type: TypeMeta, Reason: why})
	}
	for _, n := range inv.ManagedImages {
		pl.deleteManaged = append(pl.deleteManaged, Item{Repo: inv.Repo, Tag: registry.ManagedImageTag(n), Type: TypeManagedImage, Reason: why})
	}
	if final := s.FinalRepo(); final != "" {
		list, err := s.RepoTags(ctx, final)
		if err != nil {
			return nil, err
		}
		slices.Sort(list)
		for _, t := range list {
			if _, _, ok := registry.ParseStageTag(t); ok {
				pl.deleteFinal = append(pl.deleteFinal, Item{Repo: final, Tag: t, Type: TypeFinalStage, Reason: why})
			}
		}
	}

	rep := &Report{DryRun: o.DryRun}
	verb := "delete"
	if o.DryRun {
		verb = "would delete"
	}
	all := pl.all()
	fmt.Fprintf(o.Out, "Purge of %s: %d tags\n", inv.Repo, len(all))
	for _, it := range all {
		fmt.Fprintf(o.Out, "  %s %s\n", verb, qualified(inv.Repo, it))
	}
	if o.DryRun {
		rep.Deleted = all
		return rep, nil
	}
	if err := execute(ctx, s, inv, pl, Options{Parallel: o.Parallel, Out: o.Out}, rep); err != nil {
		return rep, err
	}
	if len(rep.Failed) > 0 {
		return rep, fmt.Errorf("%d of %d deletions failed (see the warnings above)", len(rep.Failed), len(rep.Failed)+len(rep.Deleted))
	}
	return rep, nil
}
