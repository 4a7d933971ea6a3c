package stapel

import (
	"context"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// registry is a stages storage for tests: the candidates of each digest, in
// the order stored.
type registry struct {
	stages map[string][]Candidate
	clock  int64
}

func newRegistry() *registry { return &registry{stages: map[string][]Candidate{}, clock: 1000} }

func (r *registry) lookup(_ context.Context, digest string) ([]Candidate, error) {
	return r.stages[digest], nil
}

// build walks a chain as a build does: each stage found in the registry or
// built and stored with the labels it would inherit. It returns the stages and
// which of them were built.
func (r *registry) build(t *testing.T, c *Chain) (stages []*Stage, built []StageName) {
	t.Helper()
	ctx := context.Background()
	inherited := map[string]string{}
	for {
		s, err := c.Next(ctx)
		require.NoError(t, err)
		if s == nil {
			return stages, built
		}
		stages = append(stages, s)
		found, err := s.Select(ctx, r.stages[s.Digest])
		require.NoError(t, err)
		if found != nil {
			require.NoError(t, c.Found(s, *found))
			inherited = found.Labels
			continue
		}
		labels, err := c.Building(ctx, s)
		require.NoError(t, err)
		full := maps.Clone(inherited)
		maps.Copy(full, labels)
		r.clock += 10
		stored := Candidate{StageID: s.Digest + "-stored", Millis: r.clock, Labels: full}
		r.stages[s.Digest] = append(r.stages[s.Digest], stored)
		require.NoError(t, c.Found(s, stored))
		inherited, built = full, append(built, s.Name)
	}
}

func gitImage() *config.Image {
	return stapelImage("app", config.Stapel{
		From:  "alpine:3.20",
		Git:   []config.GitMapping{{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Setup: []string{"*.go"}}}},
		Shell: &config.Shell{Install: []string{"make deps"}, Setup: []string{"make"}},
	})
}

// history: c1 <- c2 <- c3, and c4 on a branch from c1.
func history(head string) *fakeGit {
	return &fakeGit{
		params:    "p",
		head:      head,
		parents:   map[string]string{"c1": "", "c2": "c1", "c3": "c2", "c4": "c1"},
		stageDeps: map[string]string{"setup": "deps-" + head},
		sizes:     map[string]int64{"c1": 2000, "c2": 100},
		patches:   map[string]string{"c1": "patch c1..c3", "c2": "patch c2..c3"},
	}
}

// The found stages' recorded commits, not the current ones, go into the
// stages after them; gitLatestPatch appears with the patch since those.
func TestChainReusesStagesOfAnAncestorCommit(t *testing.T) {
	reg := newRegistry()
	first, built := reg.build(t, testChain(t, gitImage(), Options{}, history("c1")))
	require.Equal(t, []StageName{From, GitArchive, Install, Setup}, names(first))
	require.Equal(t, names(first), built)

	g := history("c3")
	g.stageDeps["setup"] = "deps-c1" // the setup dependencies did not change
	second, built := reg.build(t, testChain(t, gitImage(), Options{}, g))
	require.Equal(t, []StageName{From, GitArchive, Install, Setup, GitLatestPatch}, names(second))
	assert.Equal(t, []StageName{GitLatestPatch}, built, "gitCache is empty: the patch is under 1 MiB")
	for i := range 4 {
		assert.Equal(t, first[i].Digest, second[i].Digest, second[i].Name)
	}
	assert.Equal(t, sha256Of("c1"), arg(t, second[2], argPrevNext), "install takes the commit gitArchive recorded")
	patch := second[4]
	assert.Equal(t, sha256Of("patch c1..c3"), arg(t, patch, argDependencies))
	assert.Equal(t, sha256Of("c1"), arg(t, patch, argPrevNext), "setup hands on its recorded commit")
	assert.Equal(t, contentDigest("linux/amd64", GitLatestPatch, patch.Digest, sha256Of("c3")), patch.ContentDigest)

	// Nothing changed since: gitLatestPatch is found, gitCache still empty.
	_, built = reg.build(t, testChain(t, gitImage(), Options{}, g))
	assert.Empty(t, built)
}

// A stage's digest takes what its dependencies say: a changed
// stageDependencies checksum makes setup new, and the stages after it.
func TestChainStageDependencies(t *testing.T) {
	reg := newRegistry()
	reg.build(t, testChain(t, gitImage(), Options{}, history("c1")))
	stages, built := reg.build(t, testChain(t, gitImage(), Options{}, history("c3")))
	assert.Equal(t, []StageName{From, GitArchive, Install, Setup}, names(stages))
	assert.Equal(t, []StageName{Setup}, built, "setup is rebuilt at c3: no patch stage after it")
	assert.Equal(t, sha256Of(sha256Of("make"), sha256Of("deps-c3")), arg(t, stages[3], argDependencies))
}

func TestGitCacheAfterALargePatch(t *testing.T) {
	reg := newRegistry()
	reg.build(t, testChain(t, gitImage(), Options{}, history("c1")))
	g := history("c3")
	g.stageDeps["setup"] = "deps-c1"
	g.sizes["c1"] = 3*patchSizeStep + 5
	stages, built := reg.build(t, testChain(t, gitImage(), Options{}, g))
	require.Equal(t, []StageName{From, GitArchive, Install, Setup, GitCache}, names(stages),
		"gitLatestPatch is empty: gitCache brought the current commit")
	assert.Equal(t, []StageName{GitCache}, built)
	assert.Equal(t, sha256Of("3"), arg(t, stages[4], argDependencies))
}

// Select takes the oldest stored stage whose commits exist and are
// ancestors of the current ones.
func TestSelectAncestor(t *testing.T) {
	ctx := context.Background()
	label := func(commit string) map[string]string {
		return map[string]string{"werf-git-p-commit": commit, labelContentDigest: "x"}
	}
	candidates := []Candidate{
		{StageID: "d-5", Millis: 5, Labels: label("c2")},
		{StageID: "d-1", Millis: 1, Labels: label("gone")}, // not in the repository
		{StageID: "d-2", Millis: 2, Labels: label("c4")},   // on another branch
		{StageID: "d-3", Millis: 3, Labels: map[string]string{labelContentDigest: "x"}},
		{StageID: "d-4", Millis: 4, Labels: label("c3")},
	}
	gitArchive := func(opts Options) *Stage {
		c := testChain(t, gitImage(), opts, history("c3"))
		s, err := c.Next(ctx)
		require.NoError(t, err)
		_, err = c.Building(ctx, s)
		require.NoError(t, err)
		require.NoError(t, c.Found(s, Candidate{StageID: "from-0", Millis: 0, Labels: map[string]string{labelContentDigest: "f"}}))
		s, err = c.Next(ctx)
		require.NoError(t, err)
		require.Equal(t, GitArchive, s.Name)
		return s
	}

	got, err := gitArchive(Options{}).Select(ctx, candidates)
	require.NoError(t, err)
	assert.Equal(t, "d-4", got.StageID)

	got, err = gitArchive(Options{DisableGitCommitAncestryCheck: true}).Select(ctx, candidates)
	require.NoError(t, err)
	assert.Equal(t, "d-2", got.StageID, "without the ancestry check: the oldest whose commit exists")

	got, err = gitArchive(Options{}).Select(ctx, candidates[1:4])
	require.NoError(t, err)
	assert.Nil(t, got)
}

// Stages stored before the previous stage are passed over; a stage built now
// is newer than any stored one until Found says when it was stored.
func TestSelectSkipsStagesOlderThanTheirParent(t *testing.T) {
	ctx := context.Background()
	img := stapelImage("x", config.Stapel{From: "alpine", Shell: &config.Shell{Install: []string{"true"}}})
	content := map[string]string{labelContentDigest: "x"}
	install := []Candidate{{StageID: "i-50", Millis: 50, Labels: content}, {StageID: "i-150", Millis: 150, Labels: content}}

	c := testChain(t, img, Options{})
	from, _ := c.Next(ctx)
	require.NoError(t, c.Found(from, Candidate{StageID: "f-100", Millis: 100, Labels: content}))
	s, _ := c.Next(ctx)
	got, err := s.Select(ctx, install)
	require.NoError(t, err)
	assert.Equal(t, "i-150", got.StageID)

	c = testChain(t, img, Options{})
	from, _ = c.Next(ctx)
	_, err = c.Building(ctx, from)
	require.NoError(t, err)
	s, _ = c.Next(ctx)
	got, err = s.Select(ctx, install)
	require.NoError(t, err)
	assert.Nil(t, got, "the parent is built now: every stored stage is older")

	c = testChain(t, img, Options{})
	from, _ = c.Next(ctx)
	_, err = c.Building(ctx, from)
	require.NoError(t, err)
	require.NoError(t, c.Found(from, Candidate{StageID: "f-60", Millis: 60, Labels: content}), "stored by another builder meanwhile")
	s, _ = c.Next(ctx)
	got, err = s.Select(ctx, install)
	require.NoError(t, err)
	assert.Equal(t, "i-150", got.StageID)
	assert.Len(t, c.done, 1, "the re-resolved stage is listed once")
}

func TestFoundNeedsContentDigest(t *testing.T) {
	ctx := context.Background()
	c := testChain(t, stapelImage("x", config.Stapel{From: "alpine"}), Options{})
	s, _ := c.Next(ctx)
	err := c.Found(s, Candidate{StageID: "abc-1", Labels: map[string]string{}})
	require.ErrorContains(t, err, "abc-1 has no werf-stage-content-digest label")
}

// A found stage lacking a mapping's commit label cannot hand on commits.
func TestFoundGitStageNeedsCommitLabels(t *testing.T) {
	ctx := context.Background()
	c := testChain(t, gitImage(), Options{}, history("c1"))
	s, _ := c.Next(ctx)
	_, err := c.Building(ctx, s)
	require.NoError(t, err)
	s, _ = c.Next(ctx)
	require.Equal(t, GitArchive, s.Name)
	err = c.Found(s, Candidate{StageID: "g-1", Labels: map[string]string{labelContentDigest: "x"}})
	require.ErrorContains(t, err, "no label werf-git-p-commit")
}

func TestGitArchiveRefusesAnEmptyMapping(t *testing.T) {
	g := history("c1")
	g.empty = true
	_, err := Address(context.Background(), testChain(t, gitImage(), Options{}, g), nil)
	require.ErrorContains(t, err, "git.add / matches no file")
	assert.Contains(t, err.Error(), `image "app"`)
}

// A stored stage whose commit left the repository (a force push) is not
// reused: its git stages are built again.
func TestForcePushRebuildsGitStages(t *testing.T) {
	reg := newRegistry()
	reg.build(t, testChain(t, gitImage(), Options{}, history("c1")))
	g := history("c3")
	g.stageDeps["setup"] = "deps-c1"
	delete(g.parents, "c1")
	g.parents["c2"] = ""
	stages, built := reg.build(t, testChain(t, gitImage(), Options{}, g))
	assert.Equal(t, []StageName{From, GitArchive, Install, Setup}, names(stages))
	assert.Equal(t, []StageName{GitArchive, Install, Setup}, built)
}

// gitLatestPatch refuses a previous stage whose commit the repository lacks
// (werf: "commit … is not exist in the repo").
func TestGitLatestPatchNeedsThePreviousCommit(t *testing.T) {
	c := testChain(t, gitImage(), Options{}, history("c3"))
	_, err := gitLatestPatchStep{}.empty(context.Background(), c, &resolved{labels: map[string]string{"werf-git-p-commit": "gone"}})
	require.ErrorContains(t, err, "commit gone of the previous stage is not in the repository")
}

// Labels a stage built now carries: the content digest, mounts merged with the
// previous image's, git commits where werf records them.
func TestBuildingLabels(t *testing.T) {
	ctx := context.Background()
	img := gitImage()
	img.Stapel.Mounts = []config.Mount{{From: "tmp_dir", To: "/tmp/a/"}, {From: "build_dir", To: "/b"}, {FromPath: "/host/x", To: "/x"}}
	img.Stapel.FromImage, img.Stapel.From = "base", ""
	c := testChain(t, img, Options{Images: fakeImages{"base": {Name: "r:base-1", ContentDigest: "cb",
		Labels: map[string]string{labelMountTmpDir: "/old;/tmp/a", "werf-mount-type-custom-dir---other": "/o"}}}}, history("c1"))

	var got []map[string]string
	for {
		s, err := c.Next(ctx)
		require.NoError(t, err)
		if s == nil {
			break
		}
		l, err := c.Building(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, s.ContentDigest, l[labelContentDigest])
		delete(l, labelContentDigest)
		got = append(got, l)
	}
	mounts := map[string]string{
		labelMountTmpDir:                       "/old;/tmp/a",
		labelMountBuildDir:                     "/b",
		"werf-mount-type-custom-dir---host--x": "/x",
		"werf-mount-type-custom-dir---other":   "/o",
	}
	withCommit := maps.Clone(mounts)
	withCommit["werf-git-p-commit"], withCommit["werf-git-p-virtual-merge"], withCommit["werf-git-p-type"] = "c1", "false", "directory"
	assert.Equal(t, []map[string]string{mounts, withCommit, mounts, mounts}, got, "from, gitArchive, install, setup")
}

// The digest of a stage on another platform takes the platform first.
func TestPlatformInDigest(t *testing.T) {
	ctx := context.Background()
	img := stapelImage("x", config.Stapel{From: "alpine"})
	amd := testChain(t, img, Options{Platform: "linux/amd64"})
	arm := testChain(t, img, Options{Platform: "linux/arm64"})
	a, _ := amd.Next(ctx)
	b, _ := arm.Next(ctx)
	assert.Equal(t, "1.2", a.Args[0].Value)
	assert.Equal(t, Input{argPlatform, "linux/arm64"}, b.Args[0])
	assert.NotEqual(t, a.Digest, b.Digest)
	assert.Equal(t, sha3Of(values(b.Args)...), b.Digest)
}
