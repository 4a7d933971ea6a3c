package stapel

// Stage digests, content digests and labels werf v2.77.1 itself produced
// (buildah, native-chroot) for the projects in testdata/werf, replayed against
// the stages werf stored. How they were made, and every value, are in
// /work/shared-notes/stapel-werf-values.md.

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// werfTag is a tag werf pushed, with its image config's labels.
type werfTag struct {
	Tag    string
	ID     string
	Digest string
	Labels map[string]string
}

// werfRepo is a repository werf built into.
type werfRepo struct {
	name string // 127.0.0.1:5070/<repo>
	tags []werfTag
}

func loadWerfRepo(t *testing.T, file, name string) *werfRepo {
	t.Helper()
	data, err := os.ReadFile("testdata/werf/" + file)
	require.NoError(t, err)
	r := &werfRepo{name: name}
	require.NoError(t, json.Unmarshal(data, &r.tags))
	return r
}

// stage is the stage werf stored under a digest (each digest once here).
func (r *werfRepo) stage(t *testing.T, digest string) werfTag {
	t.Helper()
	for _, tag := range r.tags {
		if strings.HasPrefix(tag.Tag, digest+"-") {
			return tag
		}
	}
	t.Fatalf("werf stored no stage %s", digest)
	return werfTag{}
}

func (r *werfRepo) ref(t *testing.T, digest string) StageRef {
	tag := r.stage(t, digest)
	return StageRef{
		Name: r.name + ":" + tag.Tag, ID: tag.ID, Digest: tag.Digest, StageID: tag.Tag,
		ContentDigest: tag.Labels[labelContentDigest], Labels: tag.Labels,
	}
}

// lookup lists werf's stages of a digest stored before a time: the registry
// as a build that started then saw it.
func (r *werfRepo) lookup(before int64) Lookup {
	return func(_ context.Context, digest string) ([]Candidate, error) {
		var out []Candidate
		for _, tag := range r.tags {
			d, ms, ok := strings.Cut(tag.Tag, "-")
			if !ok || d != digest {
				continue
			}
			millis, err := strconv.ParseInt(ms, 10, 64)
			if err != nil || millis >= before {
				continue
			}
			out = append(out, Candidate{StageID: tag.Tag, Millis: millis, Labels: tag.Labels})
		}
		return out, nil
	}
}

// werfStage is a stage as werf logged it with WERF_DEBUG_STAGE_DIGEST=1.
type werfStage struct {
	name    StageName
	digest  string
	deps    string // StageDependencies
	content string // the werf-stage-content-digest
	built   bool   // werf built it in this run ("Building stage"), else used it
}

// The labels werf's build phase adds itself (and dagwerf's caller), which the
// chain leaves out.
var callerLabels = map[string]bool{
	"werf": true, "werf-version": true, "werf-project-repo-commit": true,
	"werf.io/parent-stage-id": true, "werf.io/base-image-id": true,
}

// replay walks a chain as werf's build did against the repository as it was,
// and checks every digest, which stages were built, their content digests,
// and the labels against werf's. extra says which labels of werf's the
// chain does not give (config changes, gitmap's archive type).
func replay(t *testing.T, c *Chain, repo *werfRepo, before int64, want []werfStage, extra func(key string) bool) {
	t.Helper()
	ctx := context.Background()
	lookup := repo.lookup(before)
	var prevLabels map[string]string
	for i := 0; ; i++ {
		s, err := c.Next(ctx)
		require.NoError(t, err)
		if s == nil {
			require.Len(t, want, i, "werf's stages end here")
			return
		}
		require.Less(t, i, len(want), "werf had no stage %s", s.Name)
		w := want[i]
		require.Equal(t, w.name, s.Name, "stage %d", i)
		require.Equal(t, w.digest, s.Digest, "%s digest; args %v", s.Name, s.Args)
		assert.Equal(t, w.deps, arg(t, s, argDependencies), "%s StageDependencies", s.Name)
		assert.Equal(t, hashArgs(s.Args), s.Digest)

		candidates, err := lookup(ctx, s.Digest)
		require.NoError(t, err)
		found, err := s.Select(ctx, candidates)
		require.NoError(t, err)
		stored := repo.stage(t, s.Digest)
		if found != nil {
			require.False(t, w.built, "%s: werf built it, the chain found %s", s.Name, found.StageID)
			require.NoError(t, c.Found(s, *found))
			assert.Equal(t, w.content, s.ContentDigest)
			prevLabels = found.Labels
			continue
		}
		require.True(t, w.built, "%s: werf found it, the chain would build it", s.Name)
		labels, err := c.Building(ctx, s)
		require.NoError(t, err)
		assert.Equal(t, w.content, s.ContentDigest, "%s content digest", s.Name)
		for k, v := range labels {
			assert.Equal(t, stored.Labels[k], v, "%s: label %s", s.Name, k)
		}
		for k, v := range stored.Labels {
			_, ours := labels[k]
			inherited := prevLabels != nil && prevLabels[k] == v
			assert.True(t, ours || inherited || callerLabels[k] || extra(k), "%s: werf's label %s=%s is neither the chain's, inherited nor the caller's", s.Name, k, v)
		}
		// The stage as werf stored it is what the next one sees.
		require.NoError(t, c.Found(s, Candidate{StageID: stored.Tag, Millis: millisOf(t, stored.Tag), Labels: stored.Labels}))
		prevLabels = stored.Labels
	}
}

func millisOf(t *testing.T, tag string) int64 {
	_, ms, _ := strings.Cut(tag, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	require.NoError(t, err)
	return n
}

// testdata/werf/p1-werf.yaml: shell stages with cache versions, a tmp_dir
// mount, docker, fromImage, an import, a dependency, imageSpec, scratch.
func TestWerfObservedWithoutGit(t *testing.T) {
	repo := loadWerfRepo(t, "p1a-tags.json", "127.0.0.1:5070/p1a")
	busybox := "127.0.0.1:5070/library/busybox:1.36"
	const empty = 0 // one build: nothing was stored before it

	base := stapelImage("base", config.Stapel{
		From:             busybox,
		FromCacheVersion: "fcv1",
		Mounts:           []config.Mount{{From: "tmp_dir", To: "/var/cache/x"}},
		Shell: &config.Shell{
			BeforeInstall: []string{"echo bi > /bi"},
			Install:       []string{"echo install > /install"},
			BeforeSetup:   []string{"echo bs > /bs"},
			Setup:         []string{"echo setup > /setup"},
			CacheVersion:  "cv1", InstallCacheVersion: "icv1",
		},
		Docker: &config.Docker{Env: map[string]string{"A": "b"}, Expose: []string{"8080"}, Workdir: "/app", Label: map[string]string{"l": "v"}},
	})
	asset := stapelImage("asset", config.Stapel{From: busybox, Shell: &config.Shell{Setup: []string{"mkdir -p /out && echo asset > /out/a.txt"}}})
	asset.Final = false
	app := stapelImage("app", config.Stapel{
		FromImage: "base",
		Imports:   []config.FileImport{{Image: "asset", Add: "/out", To: "/opt/out", After: "install"}},
		Shell:     &config.Shell{Install: []string{"echo app > /app.txt"}, Setup: []string{"echo $ASSET_NAME > /asset-name"}},
	})
	app.CacheVersion = "app-cv"
	app.Dependencies = []config.Dependency{{Image: "asset", Before: "setup", Imports: []config.Import{
		{Type: config.ImageName, TargetEnv: "ASSET_NAME"}, {Type: config.ImageID, TargetEnv: "ASSET_ID"},
	}}}
	app.ImageSpec = &config.ImageSpec{Author: "me", Config: config.ImageSpecConfig{Labels: map[string]string{"x": "y"}}}
	scratchy := stapelImage("scratchy", config.Stapel{
		From:    "scratch",
		Imports: []config.FileImport{{Image: "asset", Add: "/out/a.txt", To: "/a.txt", Before: "install"}},
	})

	images := fakeImages{
		"base":  repo.ref(t, "bd738ddacdffae43e23d19a34c67bc312c5ff41155d31ed68a08296e"),
		"asset": repo.ref(t, "285e12969df14a58f479af5fcbeec80361c0e4e18d0dfefef6940da6"),
	}
	// The import-metadata records werf wrote: the checksum of asset's /out,
	// the same for /out/a.txt.
	sums := &fakeChecksums{byImage: map[string]ImportChecksum{
		"asset": {Checksum: "3519b0bfe5ce8ddbcdb4c74c17cfe3bc", SourceStageID: "285e12969df14a58f479af5fcbeec80361c0e4e18d0dfefef6940da6-1796521056239"},
	}}
	opts := Options{Images: images, ImportChecksums: sums}
	configChange := func(k string) bool { return k == "l" || k == "x" }

	t.Run("base", func(t *testing.T) {
		replay(t, testChain(t, base, opts), repo, empty, []werfStage{
			{From, "dce4090d5f06e836f6c331565e59db568e91b74da169070118d98c10", "a75ddb8265d8da9f0fc12ed3160c1f96b19f032ab7adefe011af791d14734e86", "2609f1b2f5a89e3650c90c283ed8a034f5ddfd2f99d8d28464a24a20", true},
			{BeforeInstall, "8f9a2a37db8b73412f23e94ef4ec51e8c5113b96d1ecc6cb8ccbd771", "4975a10eef210cd49123a1b889e1fd7107fe0078a8d856edda802d86109e0a7c", "de38af36f8a26a55e52ba5f26005f70420f00c947b6ed1913bd19d73", true},
			{Install, "255cc57161d7e5462ca6432c791b4339530d6e72543de6822e01f1cd", "9b1a50cdff20c7ccfd00ec208bb524e5535aeb4af3e0943ba0f99554a9a63633", "3e7e034938320e94e248131c6fa09c5082cc0b0f58900fd66b761335", true},
			{BeforeSetup, "168ddd0481eff6aefd7dce2879b20f472b541bac003eac59e790177d", "57e3ff11ff573c2a6ed179d8307db617c261bac6eada1398381bd82e63d8a084", "b5b9e85ad7a6b47683012498515ce311c3b238c6e4866ca3c22234f1", true},
			{Setup, "51c6e1c96f96ef6f7b56e997905fb4db6441c17121dd209646cb0eef", "1fddb2c077a866e8f2fe4d8302028ab0a605c78aa9333c172833ae4a4e0c82fb", "1f4b4414dcfc3bc49fdf73b000ef034340530d29d9ef3f5d9ad5d004", true},
			{DockerInstructions, "bd738ddacdffae43e23d19a34c67bc312c5ff41155d31ed68a08296e", "e884cd1aab313ed5ea7a08ddfbc8d91a46221fc1c4acb65143c9d8a3886bfcd4", "b152529d268a83b0c1077416c66d013d10e774ee4797fb2677422f6f", true},
		}, configChange)
	})
	t.Run("asset", func(t *testing.T) {
		replay(t, testChain(t, asset, opts), repo, empty, []werfStage{
			{From, "f1ad9024de018ca1cfdfcd739d6eb3f81dda8a45daa0f6d98d55925f", "1d071b4cffabe87eea74c12ef5d3e02547fa1a7a62612100cf9ba56b0b4d15f0", "fb65e26631844386b5888f5915a0b6600196918158987e167cb54c82", true},
			{Setup, "285e12969df14a58f479af5fcbeec80361c0e4e18d0dfefef6940da6", "b35308e6da547c85189acb5e1b87c322ca225d814bd2db797cfd9f85928e870c", "074cae8d1e7ac2c387d8cb421d968cae2bca7c74725e6f47d63b93c3", true},
		}, configChange)
	})
	t.Run("app", func(t *testing.T) {
		sums.asked = nil
		c := testChain(t, app, opts)
		replay(t, c, repo, empty, []werfStage{
			{From, "319906cbdc2db161e453003f6dea79b7a97ccf1dbec0142e2b08f061", "0cde1d20c3df64ea9b2dff75403322917dcc1eb351a12617c6ad3c5a14f68a93", "9d7171e2fe01dae602b6c37988a912d0b0d4c6cd5eb83894f98076b7", true},
			{Install, "4167f7437138fed917b324bfdec8a599086db205a4026b6bdb044394", "628299fa9fdc3754ea88e20ebfa422f0c9630d4b8f156f4d393c41f89978b623", "23807b357945156871bec6b606ef4bca54e6abb98077cd4e3540e3d8", true},
			{DependenciesAfterInstall, "b58ac019f26e913ff9472fb3ddd70299e58de257bfc2b5742a866d6e", "6b5f72298e94dbc28d44ca7ccbad9d77bb55f0856e13e6b5f5ce53db21cd46a7", "5bde8514f57897d9d1e33bcd2e94218874ae016ebc5b78db02a5c640", true},
			{DependenciesBeforeSetup, "223b3fc437f411aeda47619488364705ff58f10c3900d17f761713f8", "c65146579f25f3effc3be7426307508e8b20b8abac01a054223ba09e2d3bef97", "7a56dd57b1e529866d7ba8944b253416dd48219606f0b6ffea7f7ae6", true},
			{Setup, "0a508b93baab175d281acb03fbd46a1f617da53b97c6ba6fced15dcd", "b351312935046bc1f905c9a7126fe8446edf36681cd71c6a6b880ef058d759c8", "5fd2d1f4054b356208a976ac49921dbe314b025764a09561656b17ab", true},
			{ImageSpec, "4fe7f81d873b27fafb287dc48b558aba98d56333d26e360dd549c72e", "fec8363e5ca26c1ffc216f71eee2161c1bfec2a49da1be2c932e2ef05597a471", "3f3d808e378cd1820f7a71b7bdd3e8df8330f8fec0d1eac41bb5d29c", true},
		}, configChange)
		require.Len(t, sums.asked, 1)
		assert.Equal(t, "57179c70416e8a2ec12146b91e8a00bfb00f08fd29822208da87f72e0980cdd5", sums.asked[0].SourceID, "werf's import-metadata record")
		assert.Equal(t, map[string]string{
			"ASSET_NAME": "127.0.0.1:5070/p1a:285e12969df14a58f479af5fcbeec80361c0e4e18d0dfefef6940da6-1796521056239",
			"ASSET_ID":   "sha256:952fdcff55f969805e85bd944ee60107f93d689d8be7f1854e70218f194a3532",
		}, c.done[3].Env)
	})
	t.Run("scratchy", func(t *testing.T) {
		sums.asked = nil
		replay(t, testChain(t, scratchy, opts), repo, empty, []werfStage{
			{From, "4d70aab559df44c9925c6d3565de33fe6ca1bdb88f403dd4aa964852", "5a9cb6b54ea56d52a69891af8c21afb73d3841611bbabb5d7c61312d81e6e041", "1642ab5783b8fa8b888d314694e715f09c732310df08895865c52342", true},
			{DependenciesBeforeInstall, "66df8bd166c4cb9c1f20af78911da763b0f7be13cf357faa05d0319e", "01fc7cca990638b98d635e23b68a7935abfd5fdb0a41b477e93bfb80ac15f2cb", "7a7259ad5b6e8caf6cee5793ecc9a8a5a6b2dfb2370a6e63e72ed193", true},
		}, configChange)
		assert.Equal(t, "86036cd8e8df4ca5227c06c2ab53a694c93d7a42ab0e28616c4ec7e25dcfc073", sums.asked[0].SourceID)
	})
}

// testdata/werf/p2-werf.yaml: one git mapping with stageDependencies, built at
// four commits: c2 changes a file no stageDependencies take (gitLatestPatch),
// c3 adds a 3.4 MB file (gitCache), c4 changes a setup dependency.
//
// What comes from gitmap — the mapping's parameter hash, its stageDependencies
// checksums, the patch and its size — are werf's values, fed in through a fake
// until gitmap is implemented.
// TODO(after merge): replay this over the real repository through gitmap.
func TestWerfObservedGit(t *testing.T) {
	repo := loadWerfRepo(t, "p2-tags.json", "127.0.0.1:5070/p2")
	const (
		c1 = "54bfe4bbac3c815ce801495b566c8fef3810bab1"
		c2 = "951db2b4d6e0c1f21cdbae1d772a40b4e777029d"
		c3 = "6f45ae879b0e965108f6793a44d279fd454ba5fd"
		c4 = "5c3bf9f7371d2c78c279743216467ad14a05f077"
		// werf's patch of src from c1 to c2 (its sha256 is gitLatestPatch's
		// StageDependencies).
		patchC1C2 = "diff --git a/c.log b/c.log\nindex f2ad6c76..16f9ec00 100644\n--- a/c.log\n+++ b/c.log\n@@ -1 +1 @@\n-c\n+c2\n"
		// stageDependencies checksums: install ["*.txt"] (a.txt, unchanged),
		// setup ["conf/*"] (the conf tree at c1..c3, then at c4).
		installDeps  = "d129c037985fae438e426bff5800130a147e3777b0b0791c809f05b4101735a5"
		setupDepsC1  = "41ce2dbec9684d1faf9aff9d1b34c7b9570d54f6f72e3ac7f549391bee3603a2"
		setupDepsC4  = "1e94d03f3736a9b3c075922d2e5d117f14a97f5b0040a6f5c9d923f724e534af"
		paramsHash   = "23293fd31090aa624bab659c66d96b3902ddeecc00c2cce2b0cd1bfd127e3037"
		patchC1C3MiB = 3421283 // werf's patch file size
	)
	img := stapelImage("app", config.Stapel{
		From: "127.0.0.1:5070/library/busybox:1.36",
		Git: []config.GitMapping{{Add: "/src", To: "/app", StageDependencies: config.StageDependencies{
			Install: []string{"*.txt"}, Setup: []string{"conf/*"},
		}}},
		Shell:  &config.Shell{Install: []string{"ls /app"}, Setup: []string{"cat /app/a.txt"}},
		Docker: &config.Docker{Workdir: "/app"},
	})
	git := func(head, setupDeps string) *fakeGit {
		return &fakeGit{
			params:    paramsHash,
			head:      head,
			parents:   map[string]string{c1: "", c2: c1, c3: c2, c4: c3},
			stageDeps: map[string]string{"install": installDeps, "setup": setupDeps},
			sizes:     map[string]int64{c1: map[string]int64{c2: 400, c3: patchC1C3MiB}[head]},
			patches:   map[string]string{c1: map[string]string{c2: patchC1C2}[head]},
		}
	}
	typeLabel := func(k string) bool { return k == "werf-git-"+paramsHash+"-type" } // not in gitmap's contract yet

	from := werfStage{From, "f1ad9024de018ca1cfdfcd739d6eb3f81dda8a45daa0f6d98d55925f", "1d071b4cffabe87eea74c12ef5d3e02547fa1a7a62612100cf9ba56b0b4d15f0", "fb65e26631844386b5888f5915a0b6600196918158987e167cb54c82", false}
	archive := werfStage{GitArchive, "5c7c116b9f8e4a4db073df2f07b7695f9ee92d7f8322699c958b824e", "d0be33cd6e81aebf3a398251ecfaf7c9a602216da5ac827dd629eecd6496ca60", "1be7c51477c2d8c185de28bdeb6fc6108ba526ef209848cfdb6da2fb", false}
	install := werfStage{Install, "779e26d1c4c39379a2e5a973271f797397450c2739318e3347803abf", "13ed9e79bb1246565ebc13da9d8e2401e84cdb604a8881a51fb91c91a15b2405", "b692287476abb9c279204d9ed20a250e330fa5adddb846c2b0486d21", false}
	setup := werfStage{Setup, "4623ffd8b11c82d6376b5050853db3512b791f6fc9517037da051c24", "931813bce47f73264586a9abf2b1bdde3891afc98fc8764377a9c64a55b0e2ef", "3adbc98005a14375b6021dc636b6451a32b2ebba0ef9c57da90c39b8", false}
	built := func(s werfStage) werfStage { s.built = true; return s }

	t.Run("c1: first build", func(t *testing.T) {
		// The from stage was stored by p1's asset image in another repo;
		// here it is built.
		replay(t, testChain(t, img, Options{}, git(c1, setupDepsC1)), repo, 1796521141000, []werfStage{
			built(from), built(archive), built(install), built(setup),
			{DockerInstructions, "30267735f8e2c18d4be2b1927433514338d5937e29505b9d4fb593c8", "d4b9765f733eeb11ea9d40016ef9784bdc898a15f375cbd5e6244e8cc1706cd3", "76d31a95f1865a4dff4f13f6ed54dcf95e8fd63782a3b27cc81ea4c8", true},
		}, typeLabel)
	})
	t.Run("c2: gitLatestPatch", func(t *testing.T) {
		replay(t, testChain(t, img, Options{}, git(c2, setupDepsC1)), repo, 1796521150000, []werfStage{
			from, archive, install, setup,
			{GitLatestPatch, "6ab1a19960709526fab9dd07c7bca9eed247ab5e9827d41bc5b96ec5", "4778501eda3ae38c725ab6643f09653111e3fa03882f36042f645e8a8e661690", "40a68ba9dbeeb15230d73fc31687d15cc0ccf480c44f89d6d74d14a3", true},
			{DockerInstructions, "dfd00fecbc283554abedc1775dbc74c15e1a8ea7d8dbc67802493a3b", "d4b9765f733eeb11ea9d40016ef9784bdc898a15f375cbd5e6244e8cc1706cd3", "11da8bb6122bd9ed5d58e0cc2c3357259b88fb07008d5b51c2dfa41e", true},
		}, typeLabel)
	})
	t.Run("c3: gitCache", func(t *testing.T) {
		replay(t, testChain(t, img, Options{}, git(c3, setupDepsC1)), repo, 1796521156000, []werfStage{
			from, archive, install, setup,
			{GitCache, "9db5469e76e2ce34db714d86b87285592c413e6c647a4a047f92dda6", "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce", "db49c01d55837a637d90dfcaee931bdccd1bbac586985ee163562e0e", true},
			{DockerInstructions, "bbd2b48b92cdad7955d75a5dda0da1afb119d98909ae6926106585bd", "d4b9765f733eeb11ea9d40016ef9784bdc898a15f375cbd5e6244e8cc1706cd3", "b23ae2a1909169606352b1bc1486c32fa7bc539e31956717c8421487", true},
		}, typeLabel)
	})
	t.Run("c4: setup dependency changed", func(t *testing.T) {
		replay(t, testChain(t, img, Options{}, git(c4, setupDepsC4)), repo, 1796521165000, []werfStage{
			from, archive, install,
			{Setup, "9a4d8f8fb76530a9d51f45fcd673100b7ff137fcc090bb6c269b7497", "cc9e5c64afcefa7724633e9e5f05c35ac3ced93a592040ec2b9f856d0780ce5b", "fda824f3be7d36959d6e6209f5c6c4e1691dcb3cb2595cff54b7992b", true},
			{DockerInstructions, "4edacf31e0bfff850487bf05de83bbc872b41892eb69c964264a99d2", "d4b9765f733eeb11ea9d40016ef9784bdc898a15f375cbd5e6244e8cc1706cd3", "ab2bb214945054743911fd92e9db8ff70b7125691031c0074995104f", true},
		}, typeLabel)
	})
}

// testdata/werf/p3-werf.yaml: build.cacheVersion, fromLatest on an index,
// shell.cacheVersion alone (four user stages), an artifact, an import of an
// artifact's stage with includePaths and owner, disableGitAfterPatch with a
// docker section (no dockerInstructions stage).
func TestWerfObservedQuirks(t *testing.T) {
	repo := loadWerfRepo(t, "p3-tags.json", "127.0.0.1:5070/p3")
	const (
		busybox = "127.0.0.1:5070/library/busybox:1.36"
		commit  = "41b27b1cc2919ec241d0b9f201aed0733d84c368"
		// werf's parameter hash of `git: [{add: /, to: /src, includePaths: [werf.yaml]}]`.
		paramsHash = "5bc0a8cac9c30a5677c005d600fb98ed980beb8a2918b895e36ecd5bd4606518"
	)
	typeLabel := func(k string) bool { return k == "werf-git-"+paramsHash+"-type" }
	mapping := []config.GitMapping{{Add: "/", To: "/src", IncludePaths: []string{"werf.yaml"}}}
	git := func() *fakeGit { return &fakeGit{params: paramsHash, head: commit} }

	t.Run("fromLatest, shell.cacheVersion alone", func(t *testing.T) {
		img := stapelImage("latest", config.Stapel{From: busybox, FromLatest: true, Shell: &config.Shell{CacheVersion: "only-version"}})
		img.CacheVersion = "global-cv"
		var asked string
		opts := Options{BaseImageID: func(_ context.Context, ref string) (string, error) {
			asked = ref
			// busybox:1.36 is an OCI index here: werf takes the index digest.
			return "sha256:49c1a604e996f644b3c4145897b81d9d8f94b72ff128d6329a8cf988d576fd91", nil
		}}
		replay(t, testChain(t, img, opts), repo, 0, []werfStage{
			{From, "c8d36c2cbf7d9f88770b1ae3b07fffc9abb6666f5ef03d2d7532bd6c", "03347af0b58e700e38aa583b371ede5d0f59ad6da1c0dc909466bc8bab1829f9", "9c71f9224e30591fc65fdf4225987ae8874945da4bc6d10c7bbf2167", true},
			{BeforeInstall, "1801976a8269d1aa6d7c000ad8a37da941b542c3b873b645d57eefce", "2aaf59e02a9ce1a6acdad4c1760025ba785daa59a78347c248c2cb54eba203cb", "501e2c83b2dcd1d9d4d19714073bd467319d9e166455e6cb68d5dc47", true},
			{Install, "65db1c4099a38b47609d7a00e101ce2ec5ac662daf9c87c436cd3827", "8958b65a53ae289e54ee30040ec128ba44b439e38e12f69025defdf27450cd43", "348b44666c6cc310365df95a01c93d0282b9b1775337eb0b32c98af1", true},
			{BeforeSetup, "c3503a3c3968356c0069277cfcae582756f40dc09a740304d46eb602", "8958b65a53ae289e54ee30040ec128ba44b439e38e12f69025defdf27450cd43", "60c5f026981501b89ce2419b8f8ba11a919c08f2e4dd32bb6359aec9", true},
			{Setup, "9c2adf217d441dca5e64d89b15685f9ecfa1c7c3b0a8f887965b4c7a", "8958b65a53ae289e54ee30040ec128ba44b439e38e12f69025defdf27450cd43", "d79436945f8fee3b55e66d7025062fedd00fae006240b603cffa133b", true},
		}, func(string) bool { return false })
		assert.Equal(t, busybox, asked)
	})

	artFrom := werfStage{From, "b9a70e2a9486ed299b21239d30467ced1c48e91e8bf1456ffdf118b8", "cba8f492f886e1511c976c7f52408d4a537f4c5c3e528828866f30b5b15844c4", "28377d312b57d05f4c16d756c5b7ca96aa8d505fe49eb23c72cfea4b", true}
	artArchive := werfStage{GitArchive, "5f0d40ff134f79ad2925ddb0ffb845e17b5ee938034af16b563028ec", "eedc4cf8e5b87d6acd4e030573446146f93a643821845d022be02f82b41f0d41", "eb067e3248e439e02ae6c60dac0b123cd37f894f290cdcfc229616dc", true}
	t.Run("artifact", func(t *testing.T) {
		img := stapelImage("art", config.Stapel{Artifact: true, From: busybox, Git: mapping,
			Shell: &config.Shell{Install: []string{"mkdir -p /out && cp /src/werf.yaml /out/"}}})
		img.CacheVersion, img.Final = "global-cv", false
		replay(t, testChain(t, img, Options{}, git()), repo, 0, []werfStage{
			artFrom, artArchive,
			{Install, "4924e444555a24f11ca2c252a41a10fd46854d9e4f84b607e9badf53", "6218b0c37e076432c92dfc8feb56e51b88b71650012f6f41e96d26fb30099467", "51f83176a7b99449511c8e48867c3dbbd1dbf3fad7ce8abffa9689a6", true},
		}, typeLabel)
	})
	t.Run("disableGitAfterPatch, an artifact's stage imported", func(t *testing.T) {
		img := stapelImage("nopatch", config.Stapel{From: busybox, DisableGitAfterPatch: true, Git: mapping,
			Imports: []config.FileImport{{Image: "art", Artifact: true, Add: "/out", To: "/imported", Stage: "install",
				Before: "setup", IncludePaths: []string{"*.yaml"}, Owner: "0"}},
			Shell:  &config.Shell{Setup: []string{"ls /imported"}},
			Docker: &config.Docker{Workdir: "/src"},
		})
		img.CacheVersion = "global-cv"
		sums := &fakeChecksums{byImage: map[string]ImportChecksum{
			"art": {Checksum: "450fc2b9819a303e0345a4471c78d8d5", SourceStageID: "4924e444555a24f11ca2c252a41a10fd46854d9e4f84b607e9badf53-1796521380594"},
		}}
		images := fakeImages{"art/install": repo.ref(t, "4924e444555a24f11ca2c252a41a10fd46854d9e4f84b607e9badf53")}
		// from and gitArchive are art's: werf used them.
		found := func(s werfStage) werfStage { s.built = false; return s }
		replay(t, testChain(t, img, Options{Images: images, ImportChecksums: sums}, git()), repo, 1796521381000, []werfStage{
			found(artFrom), found(artArchive),
			{DependenciesBeforeSetup, "6d097319418771961863aa0eef3137d939b658eeee4779d24d10778e", "3c1dccc93722e70e9c9140cd8bb4c9ce7c248906325cdb0445d10124fe092bf9", "251d5a436b9d1d501175e1297a255acd9edfd5561b3da0ae5ebe4b48", true},
			{Setup, "5eb63ad5a5c414f1d968d552bde772352d007306f8ea65657ace5483", "2ac1b676cb7b113247642201f3e2ebd7b039653cf2f501ad5c70e2dd7ef71b56", "a71cc9a596c3120a3bed278775387157b43920e07e4044c0683a613c", true},
		}, typeLabel)
		require.Len(t, sums.asked, 1)
		assert.Equal(t, "11c4f38177ab751d11a4f4efb4252036f52dbb9210b0584f1515fc83701fa07d", sums.asked[0].SourceID, "werf's import-metadata record")
	})
}
