package cleanup

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// imagesMetadata groups the meta records by image and stage, as werf's
// InitImagesMetadata does: an image hash that names no image of werf.yaml
// and no managed-image record is an unknown image; a stage ID the
// repository lacks an unknown stage; commits the git repository lacks are
// set apart.
func imagesMetadata(inv *registry.Inventory, configImages []string, git history) ([]*imageMeta, error) {
	names := map[string]string{} // image hash → name
	for _, n := range append(slices.Clone(inv.ManagedImages), configImages...) {
		names[registry.MetaImageHash(n)] = n
	}
	stages := map[string]bool{}
	for _, st := range inv.Stages {
		stages[st.ID] = true
	}
	exists := map[string]bool{}
	var out []*imageMeta
	byKey := map[[2]string]*imageMeta{}
	for _, rec := range inv.Meta {
		name, known := names[rec.ImageHash]
		key := [2]string{"hash:" + rec.ImageHash, rec.StageID}
		if known {
			key[0] = "name:" + name
		}
		m := byKey[key]
		if m == nil {
			m = &imageMeta{image: name, stageID: rec.StageID, tags: map[string]string{}, unknownImage: !known, unknownStage: !stages[rec.StageID]}
			if !known {
				m.unknownImageHashID = rec.ImageHash
			}
			byKey[key] = m
			out = append(out, m)
		}
		m.tags[rec.Commit] = rec.Tag
		if !known {
			m.missing = append(m.missing, rec.Commit)
			continue
		}
		has, ok := exists[rec.Commit]
		if !ok {
			var err error
			if has, err = git.HasCommit(rec.Commit); err != nil {
				return nil, fmt.Errorf("check commit %s of %s: %w", rec.Commit, rec.Tag, err)
			}
			exists[rec.Commit] = has
		}
		if has {
			m.commits = append(m.commits, rec.Commit)
		} else {
			m.missing = append(m.missing, rec.Commit)
		}
	}
	return out, nil
}

// gitPolicy keeps the stages the references reach (werf's
// gitHistoryBasedCleanup) and decides which meta records go: every record of
// a stage no reference keeps, the records of a kept stage but for its hit
// commit, records of stages or commits that do not exist, and records of
// images the project does not have.
func (pl *plan) gitPolicy(git history, metas []*imageMeta, p policies) error {
	refs, err := git.References()
	if err != nil {
		return err
	}
	pl.refs = referencesToScan(refs, keepPolicies(p.cleanup.KeepPolicies), p.now)

	byImage := map[string][]*imageMeta{}
	for _, m := range metas {
		if !m.unknownImage {
			byImage[m.image] = append(byImage[m.image], m)
		}
	}
	for _, image := range slices.Sorted(maps.Keys(byImage)) {
		// werf scans only the images that have a record of an existing stage.
		expected := stageCommits{}
		for _, m := range byImage[image] {
			if !m.unknownStage {
				expected[m.stageID] = append(expected[m.stageID], m.commits...)
			}
		}
		if len(expected) == 0 {
			continue // werf leaves such an image's records alone
		}
		res := scanResult{hits: stageCommits{}}
		if countCommits(expected) > 0 {
			if res, err = scanReferencesHistory(git, pl.refs, expected, p.now); err != nil {
				return fmt.Errorf("image %s: %w", displayImage(image), err)
			}
		}
		for _, id := range res.reached {
			if st := pl.stages.get(id); st != nil {
				pl.stages.protect(st, reasonGit, fmt.Sprintf("image %s at %s", displayImage(image), short(firstOf(res.hits[id]))), true)
			}
		}
		pl.imageMetaDeletions(byImage[image], expected, res)
	}
	for _, m := range metas {
		if m.unknownImage {
			for _, c := range m.missing {
				pl.deleteMeta = append(pl.deleteMeta, Item{Repo: pl.repo, Tag: m.tags[c], Type: TypeMeta, Reason: "no image of werf.yaml and no managed-image record has the hash " + m.unknownImageHashID,
					ID: m.unknownImageHashID, StageID: m.stageID, Commit: c})
			}
		}
	}
	return nil
}

// imageMetaDeletions are werf's cleanupImageMetadata for one image.
func (pl *plan) imageMetaDeletions(metas []*imageMeta, expected stageCommits, res scanResult) {
	byStage := map[string]*imageMeta{}
	for _, m := range metas {
		byStage[m.stageID] = m
	}
	add := func(m *imageMeta, commit, why string) {
		pl.deleteMeta = append(pl.deleteMeta, Item{Repo: pl.repo, Tag: m.tags[commit], Type: TypeMeta, Reason: why, ImageName: m.image, StageID: m.stageID, Commit: commit})
	}
	var unlinked []string
	for id := range expected {
		if !slices.Contains(res.reached, id) {
			unlinked = append(unlinked, id)
		}
	}
	if countCommits(res.hits) > 0 || len(unlinked) > 0 {
		for _, id := range slices.Sorted(maps.Keys(expected)) {
			m := byStage[id]
			if slices.Contains(unlinked, id) {
				for _, c := range expected[id] {
					add(m, c, "no kept reference keeps its stage "+id)
				}
				continue
			}
			for _, c := range expected[id] {
				if !slices.Contains(res.hits[id], c) {
					add(m, c, fmt.Sprintf("its stage %s is kept by the record of commit %s; werf keeps one record per kept stage", id, short(firstOf(res.hits[id]))))
				}
			}
		}
	}
	for _, m := range metas {
		switch {
		case m.unknownStage:
			for _, c := range append(slices.Clone(m.commits), m.missing...) {
				add(m, c, "its stage "+m.stageID+" does not exist")
			}
		default:
			for _, c := range m.missing {
				add(m, c, "the repository has no commit "+c)
			}
		}
	}
}

func countCommits(sc stageCommits) int {
	n := 0
	for _, c := range sc {
		n += len(c)
	}
	return n
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// refsText lists the references the policies keep, for the output.
func refsText(refs []*refToScan) string {
	var lines []string
	for _, r := range refs {
		kind := "branch"
		if r.Tag {
			kind = "tag"
		}
		lines = append(lines, fmt.Sprintf("  %s %s at %s (%s), imagesPerReference {%s}", kind, r.Name, short(r.Commit), r.Time.UTC().Format("2006-01-02 15:04"), r.images))
	}
	return strings.Join(lines, "\n")
}
