package cleanup_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// stapelModule is test/module (Stapel images chained by
// werf.io/parent-stage-id, git mappings with stageDependencies, imports with
// their import-metadata records, dependencies, imageSpec) in a git repository
// with an origin, built at its commits into a registry.
type stapelModule struct {
	t       *testing.T
	git     *gittest.Repo
	repo    string
	env     map[string]string
	now     time.Time
	commits map[string]string
	reports map[string]*pipeline.Report
}

func newStapelModule(t *testing.T) *stapelModule {
	t.Helper()
	reg := registrytest.New(t)
	baseimage.PushFiles(t, reg.Host+"/library/busybox:1.36", map[string]string{
		"bin/busybox": "busybox\n", "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "etc/group": "root:x:0:\n",
	})
	g := gittest.New(t)
	g.WithOrigin()
	g.WriteFiles(gittest.ReadTree(t, filepath.Join("..", "test", "module")))
	return &stapelModule{
		t: t, git: g, repo: reg.Host + "/modules/hello-module",
		env:     map[string]string{"BASE_REGISTRY": reg.Host + "/library", "MODULES_MODULE_TAG": "v1.2.3"},
		now:     time.Now().UTC().Truncate(time.Second),
		commits: map[string]string{}, reports: map[string]*pipeline.Report{},
	}
}

func (m *stapelModule) lookup(k string) (string, bool) { v, ok := m.env[k]; return v, ok }

func (m *stapelModule) load() (*source.Snapshot, *config.Config) {
	m.t.Helper()
	snap, err := source.Open(m.git.Dir)
	require.NoError(m.t, err)
	cfg, err := config.Load(snap, config.Options{LookupEnv: m.lookup})
	require.NoError(m.t, err)
	return snap, cfg
}

// build builds HEAD as CI would have ago before now: the registry's clock (the
// stage tags' times, the records', the stages made registry-side) and the
// engine's images' creation times are then; shell stages keep the base
// image's (none). It returns the report and the engine's work.
func (m *stapelModule) build(ago time.Duration) (*pipeline.Report, *enginetest.Fake) {
	m.t.Helper()
	at := m.now.Add(-ago)
	snap, cfg := m.load()
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
	require.NoError(m.t, err)
	storage, err := registry.New(cfg.Meta.Project, m.repo, registry.WithClock(func() time.Time { return at }))
	require.NoError(m.t, err)
	fake := &enginetest.Fake{
		Created: func() time.Time { return at },
		ShellWrites: map[string]map[string]string{
			"batch-hooks/beforeSetup":          {"usr/local/bin/batchhooks": "hooks\n"},
			"images-digests-and-version/setup": {"images_digests.json": "{}\n", "version.json": `{"version": "v1.2.3"}` + "\n"},
		},
	}
	var log strings.Builder
	rep, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: fake, LookupEnv: m.lookup, Log: &log, Records: true, Version: "test"}).Run(context.Background())
	require.NoError(m.t, err, log.String())
	return rep, fake
}

// commitAndBuild commits changes at now-ago under label and builds it then.
func (m *stapelModule) commitAndBuild(label string, ago time.Duration, changes map[string]string) {
	m.t.Helper()
	m.git.WriteFiles(changes)
	m.commits[label] = m.git.CommitAt(label, m.now.Add(-ago))
	m.reports[label], _ = m.build(ago)
}

// cleanup runs the cleanup with werf.yaml's settings and werf's defaults.
func (m *stapelModule) cleanup(dryRun bool) *cleanup.Report {
	m.t.Helper()
	_, cfg := m.load()
	s, err := registry.New(cfg.Meta.Project, m.repo)
	require.NoError(m.t, err)
	h, err := source.OpenHistory(m.git.Dir)
	require.NoError(m.t, err)
	o := cleanup.Options{Cleanup: cfg.Meta.Cleanup, GitWorktree: cfg.Meta.GitWorktree, DryRun: dryRun, Now: func() time.Time { return m.now }}
	for _, img := range cfg.Images {
		o.Images = append(o.Images, img.Name)
	}
	var out strings.Builder
	o.Out = &out
	rep, err := cleanup.Run(context.Background(), s, h, o)
	require.NoError(m.t, err, out.String())
	return rep
}

func (m *stapelModule) tags() []string {
	m.t.Helper()
	r, err := name.NewRepository(m.repo)
	require.NoError(m.t, err)
	tags, err := remote.List(r)
	require.NoError(m.t, err)
	slices.Sort(tags)
	return tags
}

// stages are every stage tag of every image the build at label stored.
func (m *stapelModule) stages(label string) []string {
	var out []string
	for _, ri := range m.reports[label].Images {
		for _, st := range ri.Stages {
			out = append(out, st.DockerTag)
		}
	}
	return sortedSet(out)
}

// metaTags are the meta records the build at label wrote: image → tag.
func (m *stapelModule) metaTags(label string) map[string]string {
	out := map[string]string{}
	for img, ri := range m.reports[label].Images {
		out[img] = registry.MetaTag(img, m.commits[label], ri.DockerTag)
	}
	return out
}

func itemKeys(items []cleanup.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s %s %s", it.Repo, it.Type, it.Tag))
	}
	slices.Sort(out)
	return out
}

// A Stapel module's history: main M1 (50h ago), a feature branch F1 (40h)
// from it that changes echo's script, and main M2 (30h) changing the same
// script differently — a file under echo's git mapping's
// stageDependencies.setup, so echo's setup stage and everything after it (the
// images-digests image whose environment has echo's digest, the bundle that
// imports from it) change. feature is then deleted from origin and locally.
// Every build is 30h or more old, so werf's 2-hour policy keeps nothing.
//
// werf's rules (pkg/cleaning/cleanup.go, git_history_based_cleanup):
//   - references: origin/main only (feature is gone from origin); main keeps
//     10 images, so every image's stage at M2 and at M1 (its meta records
//     link them) is kept by the git policy, and each kept stage keeps its
//     parent stages (werf.io/parent-stage-id) as ancestors. Import sources of
//     a git-kept stage are not protected through the import (werf passes
//     withImportOrDependencySources=false for the git policy): they are kept
//     because the source image has meta records at the same commit.
//   - stages only F1's build made are reached by no reference: deleted.
//   - import-metadata records whose source stage is not kept go (werf's
//     deleteUnusedImportsMetadata): F1's imports from its own stages.
//   - meta records: for each kept stage, main's newest commit reaching it
//     (the hit) stays; every other record goes: F1's, and M1's for images
//     whose stage M2 did not change (M2 is their hit).
func TestCleanupKeepsWhatStapelBuildsNeed(t *testing.T) {
	m := newStapelModule(t)
	m.commitAndBuild("M1", 50*time.Hour, nil)
	m.git.Git("push", "-q", "origin", "main")
	m.git.Git("checkout", "-q", "-b", "feature")
	m.commitAndBuild("F1", 40*time.Hour, map[string]string{"images/echo/src/echo.sh": "#!/bin/sh\necho feature\n"})
	m.git.Git("push", "-q", "origin", "feature")
	m.git.Git("checkout", "-q", "main")
	m.commitAndBuild("M2", 30*time.Hour, map[string]string{"images/echo/src/echo.sh": "#!/bin/sh\necho main v2\n"})
	m.git.Git("push", "-q", "origin", "main")
	m.git.Git("push", "-q", "origin", "--delete", "feature")
	m.git.Git("branch", "-q", "-D", "feature")

	kept := sortedSet(m.stages("M1"), m.stages("M2"))
	featureOnly := withoutAll(m.stages("F1"), kept)
	require.NotEmpty(t, featureOnly, "the feature's change made stages of its own")
	require.NotEqual(t, m.reports["M1"].Images["hello-module/echo"].DockerTag, m.reports["M2"].Images["hello-module/echo"].DockerTag, "M2 changed echo")

	// The import-metadata records: those whose source stage only F1 made go.
	before := m.tags()
	var importsGone []string
	for _, tag := range before {
		if !strings.HasPrefix(tag, "import-metadata-") {
			continue
		}
		src := importSourceStage(t, m.repo+":"+tag)
		if slices.Contains(featureOnly, src) {
			importsGone = append(importsGone, tag)
		}
	}
	require.NotEmpty(t, importsGone, "F1's imports have records of their own")

	var metaGone []string
	for _, tag := range m.metaTags("F1") {
		metaGone = append(metaGone, tag)
	}
	m2 := m.reports["M2"].Images
	for img, tag := range m.metaTags("M1") {
		if m2[img].DockerTag == m.reports["M1"].Images[img].DockerTag {
			metaGone = append(metaGone, tag)
		}
	}
	wantGone := sortedSet(featureOnly, importsGone, metaGone)

	dry := m.cleanup(true)
	assert.Equal(t, before, m.tags(), "a dry run deletes nothing")
	run := m.cleanup(false)
	require.Empty(t, run.Failed)
	for tag, why := range run.KeptStages() {
		assert.NotContains(t, why, "built within", "the time policy keeps %s: the history is too new to test the git policy", tag)
	}
	assert.Equal(t, wantGone, sortedSet(run.DeletedTags(m.repo)), "(2) exactly the feature's own stages and records, and main's records werf does not keep")
	// werf's cleanup record is the one tag the cleanup adds.
	assert.Equal(t, sortedSet(withoutAll(before, wantGone), []string{registry.CleanupRecordTag}), m.tags())
	assert.Equal(t, itemKeys(dry.Deleted), itemKeys(run.Deleted), "(4) the dry run listed what the real run deleted")

	again := m.cleanup(false)
	assert.Empty(t, again.Deleted, "(3) a second cleanup deletes nothing")

	// (1) Every stage of every chain at main's HEAD, the import-metadata
	// records its imports read and the stages they name are still there.
	survived := m.tags()
	rep, fake := m.build(30 * time.Hour)
	assert.Zero(t, fake.Builds(), "engine builds at main's HEAD after the cleanup")
	assert.Zero(t, fake.Shells(), "shell stages at main's HEAD after the cleanup")
	for img, ri := range m.reports["M2"].Images {
		assert.Equal(t, ri.DockerTag, rep.Images[img].DockerTag, img)
	}
	assert.Equal(t, survived, m.tags(), "the rebuild had to write no stage and no import record")
	assert.Empty(t, m.cleanup(false).Deleted, "the rebuild left nothing for a cleanup")
}

// importSourceStage is the source-stage-id an import-metadata record names.
func importSourceStage(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	return cf.Config.Labels["source-stage-id"]
}
