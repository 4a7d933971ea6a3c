package cleanup_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// history builds the shop at the commits of a repository's history, as CI
// would have, and pushes the branches to origin:
//
//	main       C1 (70h ago, all) - C2 (60h, worker) - C3 (50h, README only)
//	tag v1.0   at C2 (lightweight)
//	feature-x  from C3: F1 (40h), F2 (30h), F3 (20h), app each time
//	old        from C1: O1 (200h, worker): older than werf's 7 days
//	doomed     from C3: D1 (10h, base and worker); deleted from origin after
//	local      from C3: R1 (1h, worker), never pushed, its stages built 1h ago
//
// Every build before R1 published its stages, and created their images, at
// its commit's time, so the 2-hour policy keeps none of them.
func history(t *testing.T) *project {
	p := newProject(t, shop)
	p.commitAndBuild("C1", 70*time.Hour, nil)
	p.commitAndBuild("C2", 60*time.Hour, map[string]string{"worker/run.sh": "echo worker v2\n"})
	p.git.Git("tag", "v1.0")
	p.commitAndBuild("C3", 50*time.Hour, map[string]string{"README.md": "shop, docs only\n"})
	p.git.Git("push", "-q", "origin", "main", "v1.0")

	p.git.Git("checkout", "-q", "-b", "feature-x")
	p.commitAndBuild("F1", 40*time.Hour, map[string]string{"app/src/main.sh": "echo app v2\n"})
	p.commitAndBuild("F2", 30*time.Hour, map[string]string{"app/src/main.sh": "echo app v3\n"})
	p.commitAndBuild("F3", 20*time.Hour, map[string]string{"app/src/main.sh": "echo app v4\n"})
	p.git.Git("push", "-q", "origin", "feature-x")

	p.git.Git("checkout", "-q", "-b", "old", p.commits["C1"])
	p.commitAndBuild("O1", 200*time.Hour, map[string]string{"worker/run.sh": "echo worker old\n"})
	p.git.Git("push", "-q", "origin", "old")

	p.git.Git("checkout", "-q", "-b", "doomed", p.commits["C3"])
	p.commitAndBuild("D1", 10*time.Hour, map[string]string{"base/Dockerfile": "FROM busybox\nRUN mkdir /srv /data\n", "worker/run.sh": "echo worker doomed\n"})
	p.git.Git("push", "-q", "origin", "doomed")
	p.git.Git("checkout", "-q", "main")
	p.git.Git("push", "-q", "origin", "--delete", "doomed")
	p.git.Git("branch", "-q", "-D", "doomed")

	p.git.Git("checkout", "-q", "-b", "local", p.commits["C3"])
	p.commitAndBuild("R1", time.Hour, map[string]string{"worker/run.sh": "echo worker local\n"})
	p.git.Git("checkout", "-q", "main")
	return p
}

// werfKeeps is what werf's policy keeps of history, derived from werf's rules
// (pkg/cleaning/git_history_based_cleanup; the defaults of
// reference_to_scan.go: tags last 10 at depth 1 keeping 1 image; branches
// changed within 7 days, the 10 newest, keeping 2 images within 7 days;
// main/master/staging/production keeping 10 images):
//
//   - references: origin/main (C3), origin/feature-x (F3), tag v1.0 (C2);
//     not origin/old (its head is 200h old), not doomed (gone from origin),
//     not local (never pushed).
//   - base: one stage for C1..F3, O1, R1, reached by every reference: kept,
//     with its two platform images ("image index platform"); D1's: deleted.
//   - app: C1's (= C2, C3, O1, R1) is reached by v1.0 and main: kept. On
//     feature-x four stages are reached (F3, F2, F1, C3): more than its 2, so
//     the stages of the 2 newest commits stay, F3's and F2's; F1's goes. D1's
//     is reached by nothing.
//   - worker: C2's (= C3, F1..F3) is reached by v1.0, main and feature-x, C1's
//     by main (10 images) and feature-x (2 stages reached: its 2): kept. O1's
//     and D1's: reached by nothing; R1's: reached by nothing, but built an
//     hour ago: kept by the 2-hour policy.
var werfKeeps = map[string][]string{
	"base":   {"C1"},
	"app":    {"C1", "F2", "F3"},
	"worker": {"C1", "C2", "R1"},
}

var werfDeletes = map[string][]string{
	"base":   {"D1"},
	"app":    {"F1", "D1"},
	"worker": {"O1", "D1"},
}

// werfKeepsMeta are the meta records werf keeps: per kept stage, the newest
// commit each reference reached it at (the "hit"); every other record goes.
//   - base: v1.0 hits C2, main C3, feature-x F3.
//   - app's C1 stage: v1.0 hits C2, main C3; F2's and F3's: F2 and F3.
//   - worker's C2 stage: v1.0 C2, main C3, feature-x F3; C1's: C1.
var werfKeepsMeta = map[string][]string{
	"base":   {"C2", "C3", "F3"},
	"app":    {"C2", "C3", "F2", "F3"},
	"worker": {"C1", "C2", "C3", "F3"},
}

func (p *project) tagsOf(byImage map[string][]string, tags func(label, image string) []string) []string {
	var out []string
	for image, labels := range byImage {
		for _, l := range labels {
			out = append(out, tags(l, image)...)
		}
	}
	return sortedSet(out)
}

func (p *project) allLabels() []string {
	return []string{"C1", "C2", "C3", "F1", "F2", "F3", "O1", "D1", "R1"}
}

func TestCleanupKeepsWhatWerfKeeps(t *testing.T) {
	p := history(t)
	before := p.tags()
	keptStages := p.tagsOf(werfKeeps, p.stageTags)
	deletedStages := p.tagsOf(werfDeletes, p.stageTags)
	require.Len(t, keptStages, 3+3*3+3, "base: a list and 2 images; app: 3 lists of 2 images; worker: 3")
	require.Len(t, deletedStages, 3+6+2)
	require.Empty(t, slices.DeleteFunc(slices.Clone(keptStages), func(s string) bool { return !slices.Contains(deletedStages, s) }))

	keptMeta := p.tagsOf(werfKeepsMeta, func(l, img string) []string { return []string{p.metaTag(l, img)} })
	var allMeta []string
	for _, l := range p.allLabels() {
		for _, img := range []string{"base", "app", "worker"} {
			allMeta = append(allMeta, p.metaTag(l, img))
		}
	}
	allMeta = sortedSet(allMeta)
	deletedMeta := withoutAll(allMeta, keptMeta)
	var deletedCustom []string
	for img, labels := range werfDeletes {
		for _, l := range labels {
			tag := img + "-" + strings.ToLower(l)
			deletedCustom = append(deletedCustom, tag, registry.CustomTagMetaTag(tag))
		}
	}
	wantDeleted := sortedSet(deletedStages, deletedMeta, deletedCustom)
	for _, tag := range wantDeleted {
		require.Contains(t, before, tag)
	}

	// The dry run.
	dry, out, err := p.cleanup(cleanup.Options{DryRun: true})
	require.NoError(t, err, out)
	assert.Equal(t, before, p.tags(), "a dry run deletes nothing and writes nothing")
	assert.Equal(t, wantDeleted, sortedSet(dry.DeletedTags(p.repo)))
	assert.Equal(t, keptStages, sortedSet(slices.Collect(mapKeys(dry.KeptStages()))))
	for img, labels := range werfDeletes {
		for _, l := range labels {
			list := p.reports[l].Images[img].DockerTag
			assert.True(t, strings.Contains(out, "would delete stage "+list+"  (no kept reference keeps it (meta records: "+img+"@"), "why %s of %s is not kept", list, img)
			for _, tag := range p.stageTags(l, img) {
				if tag != list {
					assert.True(t, strings.Contains(out, "would delete stage "+tag+"  (an image of the manifest list "+list+", which is not kept"), "why %s is not kept", tag)
				}
			}
		}
	}
	assert.True(t, strings.Contains(out, "keep   "+p.reports["R1"].Images["worker"].DockerTag+"  (built within last 2 hours: created 1h0m0s ago)"))
	assert.True(t, strings.Contains(out, "branch origin/feature-x"))
	assert.False(t, strings.Contains(out, "origin/old"))
	if t.Failed() {
		t.Log(out)
	}

	// The real run deletes exactly that, and writes werf's cleanup record.
	rep, out2, err := p.cleanup(cleanup.Options{})
	require.NoError(t, err, out2)
	assert.Equal(t, wantDeleted, sortedSet(rep.DeletedTags(p.repo)))
	assert.Empty(t, rep.Failed)
	assert.Equal(t, sortedSet(withoutAll(before, wantDeleted), []string{registry.CleanupRecordTag}), p.tags())
	assert.Equal(t, stripMode(out), stripMode(out2), "a real run prints what the dry run printed")

	// Nothing a kept reference builds is missing: each rebuilds nothing.
	for _, ref := range []string{"main", "feature-x", "v1.0", "local"} {
		p.git.Git("checkout", "-q", ref)
		rep := p.build("rebuild-"+ref, buildOptions{})
		assert.Zero(t, p.builds["rebuild-"+ref], "%s rebuilt %v", ref, rep.Images)
	}
	p.git.Git("checkout", "-q", "main")

	// A second cleanup deletes nothing more (the rebuilds above wrote the
	// meta records of their commits again, which werf prunes again, so those
	// are set aside).
	again, out3, err := p.cleanup(cleanup.Options{DryRun: true})
	require.NoError(t, err, out3)
	for _, it := range again.Deleted {
		assert.Equal(t, cleanup.TypeMeta, it.Type, "%s: %s", it.Tag, it.Reason)
	}
}

// A second cleanup right after the first deletes nothing.
func TestCleanupTwiceDeletesNothingMore(t *testing.T) {
	p := history(t)
	_, out, err := p.cleanup(cleanup.Options{})
	require.NoError(t, err, out)
	after := p.tags()
	rep, out, err := p.cleanup(cleanup.Options{})
	require.NoError(t, err, out)
	assert.Empty(t, rep.Deleted, out)
	assert.Equal(t, after, p.tags())
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// stripMode makes a dry run's output comparable with a real run's.
func stripMode(out string) string {
	out = strings.ReplaceAll(out, " (dry run: nothing is deleted)", "")
	out = strings.ReplaceAll(out, "would delete", "delete")
	if i := strings.Index(out, "\nDeleted "); i >= 0 {
		out = out[:i+1]
	}
	return out
}
