package cleanup

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// history is what the decision reads of git.
type history interface {
	commitReader
	References() ([]source.Reference, error)
	HasCommit(hash string) (bool, error)
}

// policies are the decision's settings.
type policies struct {
	images     []string // werf.yaml's image names
	cleanup    config.Cleanup
	keepHours  int
	keepList   map[string]bool
	deployed   map[string][]string // image reference → the workloads that use it; nil: the Kubernetes policy is off
	now        time.Time
	finalTags  []string // the --final-repo's tags; nil without one
	finalRepo  string
	cacheRepos map[string]map[string]bool // --cache-repo → its tags
	concurrent map[string]string          // stage ID → what a build running meanwhile did with it
	// concurrentImports are the import records a build wrote meanwhile: they
	// protect their sources and are never deleted by this cleanup.
	concurrentImports map[string]bool
}

// plan is every decision of a cleanup, before anything is deleted.
type plan struct {
	repo   string
	stages *stageSet
	refs   []*refToScan

	kept []Item

	// What to delete, in the order werf deletes it: rejected stages (each
	// with its custom tags and its marker), stages (and their copies in the
	// cache repos), custom tags and their records, import records, meta and
	// managed-image records, final stages.
	rejected      [][]Item
	deleteStages  []Item
	deleteCaches  []Item
	deleteCustom  []Item
	deleteImports []Item
	deleteMeta    []Item
	deleteManaged []Item
	deleteFinal   []Item

	metaOf map[string][]string // stage ID → "image@commit" of its meta records, for reasons
}

// imageMeta is werf's imageMetadata: an image's stage and the commits its
// meta records name, split into those the repository has and those it lacks.
type imageMeta struct {
	image, stageID     string
	commits, missing   []string
	tags               map[string]string // commit → record tag
	unknownImage       bool              // the image hash matches no image name
	unknownStage       bool              // no such stage in the repository
	unknownImageHashID string
}

// decide makes the plan (werf's cleanupManager.run, without deleting).
func decide(inv *registry.Inventory, git history, p policies) (*plan, error) {
	pl := &plan{repo: inv.Repo, stages: newStageSet(inv.Stages), metaOf: map[string][]string{}}
	tags := make(map[string]bool, len(inv.Tags))
	for _, t := range inv.Tags {
		tags[t] = true
	}
	if p.cleanup.Disable {
		// werf deletes only the managed-image and meta records.
		for _, name := range inv.ManagedImages {
			pl.deleteManaged = append(pl.deleteManaged, Item{Repo: inv.Repo, Tag: registry.ManagedImageTag(name), Type: TypeManagedImage, Reason: "cleanup is disabled in werf.yaml (cleanup.disable): only records are deleted", ImageName: name})
		}
		for _, m := range inv.Meta {
			pl.deleteMeta = append(pl.deleteMeta, Item{Repo: inv.Repo, Tag: m.Tag, Type: TypeMeta, Reason: "cleanup is disabled in werf.yaml (cleanup.disable): only records are deleted", ID: m.ImageHash, StageID: m.StageID, Commit: m.Commit})
		}
		return pl, nil
	}

	metas, err := imagesMetadata(inv, p.images, git)
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		for _, c := range m.commits {
			pl.metaOf[m.stageID] = append(pl.metaOf[m.stageID], displayImage(m.image)+"@"+short(c))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.concurrent)) {
		if st := pl.stages.get(id); st != nil {
			pl.stages.protect(st, reasonConcurrentBuild, p.concurrent[id], false)
		}
	}

	customTags := map[string][]string{} // stage ID → custom tags
	customRecords := map[string]string{}
	for _, r := range inv.CustomTags {
		if r.Invalid {
			continue
		}
		customTags[r.StageID] = append(customTags[r.StageID], r.CustomTag)
		customRecords[r.CustomTag] = r.Tag
	}

	// The Kubernetes-based policy.
	if p.deployed != nil {
		for _, st := range pl.stages.order {
			if users, ok := p.deployed[inv.Repo+":"+st.ID]; ok {
				pl.stages.protect(st, reasonKubernetes, strings.Join(users, ", "), false)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(customTags)) {
			for _, t := range customTags[id] {
				users, ok := p.deployed[inv.Repo+":"+t]
				if !ok {
					continue
				}
				if st := pl.stages.get(id); st != nil {
					pl.stages.protect(st, reasonKubernetes, "custom tag "+t+": "+strings.Join(users, ", "), false)
				} else {
					delete(customTags, id) // a deployed custom tag of no stage is left alone
				}
				break
			}
		}
	}

	// The git-history-based policy.
	if !p.cleanup.DisableGitHistoryBasedPolicy {
		if err := pl.gitPolicy(git, metas, p); err != nil {
			return nil, err
		}
	} else {
		for _, m := range inv.Meta {
			pl.deleteMeta = append(pl.deleteMeta, Item{Repo: inv.Repo, Tag: m.Tag, Type: TypeMeta, Reason: "the git-history-based policy is off (cleanup.disableGitHistoryBasedPolicy): werf deletes every meta record", ID: m.ImageHash, StageID: m.StageID, Commit: m.Commit})
		}
	}

	// Built within the last N hours. werf reads the config's creation time;
	// dagwerf also the time in the tag (when it was published), so that a
	// stage whose image claims an old date (a reproducible build) is not
	// deleted while its build is still writing its records.
	if !p.cleanup.DisableBuiltWithinLastNHoursPolicy && p.keepHours > 0 {
		window := time.Duration(p.keepHours) * time.Hour
		for _, st := range pl.stages.order {
			if newest, ok := pl.stages.builtWithin(st, p.now, window); ok {
				pl.stages.protect(st, fmt.Sprintf("built within last %d hours", p.keepHours), newest, false)
			}
		}
	}

	for _, st := range pl.stages.order {
		if p.keepList[st.ID] {
			pl.stages.protect(st, reasonKeepList, "", false)
		}
	}

	// Rejected stages go with their custom tags and their marker, whatever
	// keeps them otherwise: no build uses a rejected stage.
	for _, id := range inv.Rejected {
		var items []Item
		if tags[id] {
			items = append(items, Item{Repo: inv.Repo, Tag: id, Type: TypeRejectedStage, Reason: "rejected: a build found it unusable (" + id + "-rejected)"})
		}
		for _, t := range customTags[id] {
			if tags[t] {
				items = append(items, Item{Repo: inv.Repo, Tag: t, Type: TypeCustomTag, Reason: "custom tag of the rejected stage " + id})
			}
		}
		items = append(items, Item{Repo: inv.Repo, Tag: id + "-rejected", Type: TypeRejectedMark, Reason: "marker of a rejected stage"})
		pl.rejected = append(pl.rejected, items)
		delete(customTags, id)
	}

	pl.protectAllRelatives(inv)

	for _, st := range pl.stages.order {
		if st.keep != "" {
			pl.kept = append(pl.kept, Item{Repo: inv.Repo, Tag: st.ID, Type: TypeStage, Reason: keptReason(st)})
			continue
		}
		pl.deleteStages = append(pl.deleteStages, Item{Repo: inv.Repo, Tag: st.ID, Type: TypeStage, Reason: pl.unkeptReason(st, p)})
		pl.stages.gone[st.ID] = true
		for _, c := range slices.Sorted(maps.Keys(p.cacheRepos)) {
			if p.cacheRepos[c][st.ID] {
				pl.deleteCaches = append(pl.deleteCaches, Item{Repo: c, Tag: st.ID, Type: TypeCacheStage, Reason: "deleted from --repo"})
			}
		}
	}

	// Custom tags of stages that are gone, and their records.
	for _, id := range slices.Sorted(maps.Keys(customTags)) {
		if pl.stages.get(id) != nil {
			continue
		}
		why := "its stage " + id + " is deleted"
		if pl.stages.byID[id] == nil {
			why = "its stage " + id + " does not exist"
		}
		for _, t := range customTags[id] {
			if tags[t] {
				pl.deleteCustom = append(pl.deleteCustom, Item{Repo: inv.Repo, Tag: t, Type: TypeCustomTag, Reason: why})
			}
			pl.deleteCustom = append(pl.deleteCustom, Item{Repo: inv.Repo, Tag: customRecords[t], Type: TypeCustomTagMeta, Reason: "record of custom tag " + t + ": " + why})
		}
	}

	// Import records: invalid ones, and those whose source stage is not kept.
	for _, r := range inv.Imports {
		switch {
		case p.concurrentImports[r.Tag]:
		case r.Invalid:
			pl.deleteImports = append(pl.deleteImports, Item{Repo: inv.Repo, Tag: r.Tag, Type: TypeImportMeta, Reason: "invalid import record (its manifest or config is gone or broken)"})
		case pl.stages.get(r.SourceStageID) == nil || pl.stages.get(r.SourceStageID).keep == "":
			pl.deleteImports = append(pl.deleteImports, Item{Repo: inv.Repo, Tag: r.Tag, Type: TypeImportMeta, Reason: "its source stage " + r.SourceStageID + " is not kept"})
		}
	}

	pl.finalStages(p)
	return pl, nil
}

// builtWithin reports whether a stage (any image of a manifest list) was
// built or published within the window, and how long ago. A manifest list's
// tag has no time: its images' stage tags tell when they were published.
func (s *stageSet) builtWithin(st *stage, now time.Time, window time.Duration) (string, bool) {
	var created []time.Time
	var published []int64
	if st.Index {
		for _, p := range st.Platforms {
			created = append(created, p.Created)
			for _, img := range s.byImg[p.Manifest] {
				published = append(published, img.millis)
			}
		}
	} else {
		created = append(created, st.Created)
		published = append(published, st.millis)
	}
	for _, t := range created {
		// werf: hours since creation <= N.
		if now.Sub(t).Hours() <= window.Hours() {
			return "created " + ago(now.Sub(t)), true
		}
	}
	for _, ms := range published {
		if pub := time.UnixMilli(ms); ms > 0 && now.Sub(pub).Hours() <= window.Hours() {
			return "published " + ago(now.Sub(pub)), true
		}
	}
	return "", false
}

// protectAllRelatives protects what every kept stage needs. werf goes through
// the kept stages by reason in no fixed order; here the reasons that protect
// import sources come first, so that a stage kept for several reasons always
// keeps the most.
func (pl *plan) protectAllRelatives(inv *registry.Inventory) {
	checksumSources := map[string][]string{}
	for _, r := range inv.Imports {
		if !r.Invalid {
			checksumSources[r.Checksum] = append(checksumSources[r.Checksum], r.SourceStageID)
		}
	}
	handled := map[*stage]bool{}
	kept := func(git bool) []*stage {
		var out []*stage
		for _, st := range pl.stages.order {
			if st.keep != "" && (st.keep == reasonGit) == git {
				out = append(out, st)
			}
		}
		return out
	}
	for _, st := range kept(false) {
		pl.stages.protectRelatives(st, true, checksumSources, handled)
	}
	for _, st := range kept(true) {
		pl.stages.protectRelatives(st, false, checksumSources, handled)
	}
}

// finalStages decides the --final-repo's stages: a copy of a stage that is
// gone from --repo goes too, unless a workload uses it.
//
// werf v2.77.1 does the opposite (cleanupFinalStages marks as protected the
// final stages that are NOT in --repo, and deletes those that are, since
// commit 20940ea51 renamed "not exist in the repo" into a protection reason);
// dagwerf keeps the behaviour werf's --final-repo cleanup was written with
// (commit 5cc86d3b3): the final repo keeps what --repo keeps.
func (pl *plan) finalStages(p policies) {
	for _, t := range p.finalTags {
		if _, _, ok := registry.ParseStageTag(t); !ok {
			continue
		}
		if st := pl.stages.get(t); st != nil && st.keep != "" {
			continue
		}
		if users, ok := p.deployed[p.finalRepo+":"+t]; ok && p.deployed != nil {
			pl.kept = append(pl.kept, Item{Repo: p.finalRepo, Tag: t, Type: TypeFinalStage, Reason: reasonKubernetes + ": " + strings.Join(users, ", ")})
			continue
		}
		why := "its stage is deleted from --repo"
		if pl.stages.byID[t] == nil {
			why = "--repo has no such stage"
		}
		pl.deleteFinal = append(pl.deleteFinal, Item{Repo: p.finalRepo, Tag: t, Type: TypeFinalStage, Reason: why})
	}
}

func keptReason(st *stage) string {
	if st.detail == "" {
		return st.keep
	}
	return st.keep + ": " + st.detail
}

// unkeptReason says why nothing keeps a stage: what each policy saw.
func (pl *plan) unkeptReason(st *stage, p policies) string {
	var parts []string
	lists := pl.stages.lists[st.Manifest]
	switch metas := pl.metaOf[st.ID]; {
	case !st.Index && len(lists) > 0 && len(metas) == 0:
		parts = append(parts, "an image of the manifest list "+strings.Join(lists, ", ")+", which is not kept")
	case p.cleanup.DisableGitHistoryBasedPolicy:
		parts = append(parts, "git policy off")
	case len(metas) > 0:
		parts = append(parts, "no kept reference keeps it (meta records: "+strings.Join(metas, ", ")+")")
	default:
		parts = append(parts, "no meta record links it to a commit the repository has")
	}
	switch {
	case p.cleanup.DisableBuiltWithinLastNHoursPolicy || p.keepHours == 0:
		parts = append(parts, "time policy off")
	default:
		created := st.Created
		if st.Index && len(st.Platforms) > 0 {
			created = st.Platforms[0].Created
			for _, pl := range st.Platforms {
				if pl.Created.After(created) {
					created = pl.Created
				}
			}
		}
		parts = append(parts, fmt.Sprintf("built %s, more than %dh", ago(p.now.Sub(created)), p.keepHours))
	}
	if p.deployed != nil {
		parts = append(parts, "no workload uses it")
	}
	parts = append(parts, "no kept stage needs it")
	return strings.Join(parts, "; ")
}

// ago says how long ago, to the minute.
func ago(d time.Duration) string {
	if d < 0 {
		return "in the future"
	}
	return d.Truncate(time.Minute).String() + " ago"
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func displayImage(name string) string {
	if name == "" {
		return "~"
	}
	return name
}
