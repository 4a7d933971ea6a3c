package cleanup

import (
	"cmp"
	"slices"
	"time"

	"github.com/dagwerf/dagwerf/source"
)

// refToScan is a reference a keep policy selected, with how far its history
// is scanned and how many images it keeps.
type refToScan struct {
	source.Reference
	depthLimit int   // tags: their commit only (1); branches: all history (-1)
	images     limit // the imagesPerReference of the last policy that selected it
}

// referencesToScan selects the references the keep policies keep, as werf's
// ReferencesToScan does: each policy selects branches (by the name after
// origin/) or tags by its regexp, limits them by count and age, and sets its
// imagesPerReference on them — a reference several policies select takes the
// last one's. Branches come first, then tags, each newest first.
//
// werf sorts with an unstable sort, so references of equal times come in no
// fixed order there; here they are ordered by name.
func referencesToScan(refs []source.Reference, policies []keepPolicy, now time.Time) []*refToScan {
	var branches, tags []*refToScan
	for _, r := range refs {
		if r.Tag {
			tags = append(tags, &refToScan{Reference: r, depthLimit: 1})
		} else {
			branches = append(branches, &refToScan{Reference: r, depthLimit: -1})
		}
	}
	var keptBranches, keptTags []*refToScan
	for _, p := range policies {
		switch {
		case p.branch != nil:
			selected := applyPolicy(selectRefs(branches, func(r *refToScan) bool { return p.branch.MatchString(r.Branch()) }), p, now)
			keptBranches = mergeRefs(keptBranches, selected)
		case p.tag != nil:
			selected := applyPolicy(selectRefs(tags, func(r *refToScan) bool { return p.tag.MatchString(r.Name) }), p, now)
			keptTags = mergeRefs(keptTags, selected)
		}
	}
	sortNewestFirst(keptBranches)
	sortNewestFirst(keptTags)
	return append(keptBranches, keptTags...)
}

func selectRefs(refs []*refToScan, match func(*refToScan) bool) []*refToScan {
	var out []*refToScan
	for _, r := range refs {
		if match(r) {
			out = append(out, r)
		}
	}
	return out
}

// applyPolicy limits the references and gives them the policy's
// imagesPerReference.
func applyPolicy(refs []*refToScan, p keepPolicy, now time.Time) []*refToScan {
	if p.refs != nil {
		refs = limitRefs(refs, *p.refs, now)
	}
	for _, r := range refs {
		r.images = p.images
	}
	return refs
}

// limitRefs keeps the references changed within l.in and the l.last newest,
// both (And) or either (Or).
func limitRefs(refs []*refToScan, l limit, now time.Time) []*refToScan {
	byIn := refs
	if l.in != nil {
		byIn = nil
		for _, r := range refs {
			if r.Time.After(now.Add(-*l.in)) {
				byIn = append(byIn, r)
			}
		}
	}
	byLast := slices.Clone(refs)
	if l.last >= 0 {
		sortNewestFirst(byLast)
		if len(byLast) > l.last {
			byLast = byLast[:l.last]
		}
	}
	if l.or {
		return mergeRefs(byIn, byLast)
	}
	var both []*refToScan
	for _, r := range byIn {
		if slices.Contains(byLast, r) {
			both = append(both, r)
		}
	}
	return both
}

// mergeRefs is b and then those of a that b lacks.
func mergeRefs(a, b []*refToScan) []*refToScan {
	out := slices.Clone(b)
	for _, r := range a {
		if !slices.Contains(b, r) {
			out = append(out, r)
		}
	}
	return out
}

func sortNewestFirst(refs []*refToScan) {
	slices.SortStableFunc(refs, func(a, b *refToScan) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
