package cleanup

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// stageID makes a stage tag from a letter.
func stageID(c byte, ms int64) string {
	return strings.Repeat(string(c), 56) + "-" + strconv.FormatInt(ms, 10)
}

func storedImage(id string, created time.Time, labels map[string]string) *registry.StoredStage {
	h := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(id[:1], 64)}
	return &registry.StoredStage{ID: id, StoredImage: registry.StoredImage{Manifest: h, Created: created, Labels: labels, ImageID: "sha256:" + strings.Repeat(id[:1], 63) + "f"}}
}

// werf's rules that the end-to-end histories do not reach: a stage the git
// policy keeps does not keep its import and dependency sources (they have
// records of their own), one the time policy keeps does; rejected stages go
// with their custom tags and markers whatever keeps them; records of images
// the project does not have, of stages that do not exist and of commits the
// repository lacks go.
func TestDecideWerfRules(t *testing.T) {
	g := gittest.New(t)
	g.WithOrigin()
	now := time.Now().UTC().Truncate(time.Second)
	commit := g.CommitAt("c", now.Add(-10*time.Hour))
	g.Git("push", "-q", "origin", "main")
	h, err := source.OpenHistory(g.Dir)
	require.NoError(t, err)

	old := now.Add(-100 * time.Hour)
	ms := old.UnixMilli()
	app := stageID('a', ms)       // the git policy keeps it
	appSrc := stageID('b', ms)    // app imports from it
	appDep := stageID('c', ms)    // app depends on it
	recent := stageID('d', ms)    // the time policy keeps it (created now)
	recentSrc := stageID('e', ms) // recent imports from it
	recentDep := stageID('f', ms) // recent depends on it
	rejected := stageID('9', ms)  // rejected
	other := stageID('8', ms)     // the image's other stage, no commit reaches it
	missing := stageID('7', ms)   // named by a record, not in the repository
	importLabels := func(sum, dep string) map[string]string {
		return map[string]string{labelImportChecksumPrefix + "x": sum, labelDependencyStagePrefix + "y": dep}
	}
	inv := &registry.Inventory{
		Repo: "registry.example.com/shop",
		Stages: []*registry.StoredStage{
			storedImage(app, old, importLabels("sum-app", appDep)),
			storedImage(appSrc, old, nil),
			storedImage(appDep, old, nil),
			storedImage(recent, now.Add(-time.Hour), importLabels("sum-recent", recentDep)),
			storedImage(recentSrc, old, nil),
			storedImage(recentDep, old, nil),
			storedImage(other, old, nil),
		},
		Rejected:      []string{rejected},
		ManagedImages: []string{"app"},
		Meta: []registry.MetaRecord{
			{Tag: "meta-app-c", ImageHash: registry.MetaImageHash("app"), Commit: commit, StageID: app},
			{Tag: "meta-app-other", ImageHash: registry.MetaImageHash("app"), Commit: strings.Repeat("1", 40), StageID: other},
			{Tag: "meta-app-missing", ImageHash: registry.MetaImageHash("app"), Commit: commit, StageID: missing},
			{Tag: "meta-ghost", ImageHash: registry.MetaImageHash("ghost"), Commit: commit, StageID: app},
		},
		CustomTags: []registry.CustomTagRecord{{Tag: "custom-tag-meta-rej", StageID: rejected, CustomTag: "rej"}},
		Imports: []registry.ImportRecord{
			{Tag: "import-metadata-1", ImportMetadata: registry.ImportMetadata{Checksum: "sum-app", SourceStageID: appSrc}},
			{Tag: "import-metadata-2", ImportMetadata: registry.ImportMetadata{Checksum: "sum-recent", SourceStageID: recentSrc}},
		},
	}
	inv.Tags = []string{rejected, rejected + "-rejected", "rej", "custom-tag-meta-rej", "import-metadata-1", "import-metadata-2"}
	for _, st := range inv.Stages {
		inv.Tags = append(inv.Tags, st.ID)
	}
	for _, m := range inv.Meta {
		inv.Tags = append(inv.Tags, m.Tag)
	}
	pl, err := decide(inv, h, policies{images: []string{"app"}, keepHours: 2, now: now})
	require.NoError(t, err)

	kept := map[string]string{}
	for _, it := range pl.kept {
		kept[it.Tag] = it.Reason
	}
	assert.Equal(t, map[string]string{
		app:       "git policy: image app at " + commit[:12],
		recent:    "built within last 2 hours: created 1h0m0s ago",
		recentSrc: "import source: imported by " + recent,
		recentDep: "dependency source: dependency of " + recent,
	}, kept)

	var deleted []string
	for _, it := range pl.all() {
		deleted = append(deleted, it.Tag)
	}
	slices.Sort(deleted)
	want := []string{appSrc, appDep, other, rejected, "rej", rejected + "-rejected",
		"import-metadata-1", // its source stage goes
		"meta-app-other",    // its commit is not in the repository
		"meta-app-missing",  // its stage does not exist
		"meta-ghost",        // no image named so
	}
	slices.Sort(want)
	assert.Equal(t, want, deleted)
	// The rejected stage goes first, with its custom tag, then its marker.
	require.Len(t, pl.rejected, 1)
	assert.Equal(t, []string{rejected, "rej", rejected + "-rejected"}, []string{pl.rejected[0][0].Tag, pl.rejected[0][1].Tag, pl.rejected[0][2].Tag})
}

// A build running during the cleanup publishes a stage that imports from an
// old stage, through an import record it writes meanwhile: the source is kept
// for it, and the new record stays.
func TestDecideKeepsWhatAConcurrentImportNeeds(t *testing.T) {
	g := gittest.New(t)
	g.WithOrigin()
	now := time.Now().UTC().Truncate(time.Second)
	g.CommitAt("c", now.Add(-10*time.Hour))
	g.Git("push", "-q", "origin", "main")
	h, err := source.OpenHistory(g.Dir)
	require.NoError(t, err)

	old := now.Add(-100 * time.Hour)
	src := stageID('b', old.UnixMilli())
	fresh := stageID('a', old.UnixMilli()) // created long ago by its config, published now
	inv := &registry.Inventory{Repo: "registry.example.com/shop", Stages: []*registry.StoredStage{storedImage(src, old, nil)}}
	inv.Tags = []string{src}
	delta := &registry.Inventory{
		Repo:    inv.Repo,
		Stages:  []*registry.StoredStage{storedImage(fresh, old, map[string]string{labelImportChecksumPrefix + "x": "sum-new"})},
		Imports: []registry.ImportRecord{{Tag: "import-metadata-new", ImportMetadata: registry.ImportMetadata{Checksum: "sum-new", SourceStageID: src}}},
	}
	delta.Tags = []string{fresh, "import-metadata-new"}

	pl, err := decideWithConcurrent(inv, delta, h, policies{images: []string{"app"}, keepHours: 2, now: now})
	require.NoError(t, err)
	assert.Empty(t, pl.all(), "nothing goes: the source through the new record, and the record itself")
	kept := map[string]string{}
	for _, it := range pl.kept {
		kept[it.Tag] = it.Reason
	}
	assert.Equal(t, "import source: imported by "+fresh, kept[src])
}
