package registry_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

func TestLookupOldestUsableStage(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 2000, "linux/amd64")
	older := pushStage(t, repo, digestA, 1500, "linux/amd64")
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	pushStage(t, repo, digestA, 1000, "linux/amd64") // overwrite: same tag
	// werf marks unusable stages with a -rejected tag beside them.
	rejected, _ := name.NewTag(repo + ":" + digestA + "-1000-rejected")
	require.NoError(t, remote.Write(rejected, image(t, "linux/amd64", nil)))
	// Tags that are not stages are ignored.
	for _, other := range []string{"latest", "meta-1a2b_0123456789012345678901234567890123456789_" + digestA + "-1", "managed-image-shop", digestA} {
		ref, _ := name.NewTag(repo + ":" + other)
		require.NoError(t, remote.Write(ref, image(t, "linux/amd64", nil)))
	}

	s, _ := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	assert.Equal(t, int64(1500), desc.ID.CreatedAt, "the oldest stage that is not rejected")
	assert.Equal(t, repo+":"+digestA+"-1500", desc.Ref.String())
	wantDigest, _ := older.Digest()
	wantConfig, _ := older.ConfigName()
	assert.Equal(t, wantDigest, desc.Manifest.Digest)
	assert.Equal(t, wantConfig, desc.ConfigID)
	assert.Equal(t, repo+":"+digestA+"-1500", desc.ImportValues().Name)
	assert.Equal(t, wantConfig.String(), desc.ImportValues().ID)
	assert.Equal(t, wantDigest.String(), desc.ImportValues().Digest)

	cfg, err := desc.Config(context.Background())
	require.NoError(t, err)
	assert.Equal(t, project, cfg.Config.Labels[registry.LabelProject])
	assert.Equal(t, "linux/amd64", cfg.Platform().String())

	none, err := s.Lookup(context.Background(), digestB)
	require.NoError(t, err)
	assert.Nil(t, none)
}

func TestLookupSkipsWhatIsNotAnImage(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	// An index under the oldest stage tag (buildx attestations do this) is no stage.
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: image(t, "linux/amd64", nil)})
	ref, _ := name.NewTag(repo + ":" + digestA + "-1000")
	require.NoError(t, remote.WriteIndex(ref, idx))
	pushStage(t, repo, digestA, 2000, "linux/amd64")

	s, w := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	assert.Equal(t, int64(2000), desc.ID.CreatedAt)
	require.Len(t, w.all(), 1)
	assert.Contains(t, w.all()[0], "ignoring stage "+repo+":"+digestA+"-1000: unusable stage: application/vnd.oci.image.index.v1+json is not an image manifest")
}

// A run lists --repo once, however many lookups run and however concurrently;
// a digest --repo does not have costs nothing more.
func TestLookupListsOncePerRun(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	reg.ResetRequests()

	s, _ := newStorage(t, repo)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Lookup(context.Background(), digestB)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 0, reg.Count("", "/manifests/"), "a miss reads no manifest")

	_, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 1, reg.Count("GET", "/manifests/"), "a hit reads one manifest")
}

func TestLookupFollowsPages(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithPageSize(3))
	repo := reg.Host + "/shop"
	for ts := int64(1); ts <= 10; ts++ {
		pushStage(t, repo, digestB, 100+ts, "linux/amd64")
	}
	pushStage(t, repo, digestA, 5000, "linux/amd64") // sorts after every b…: on the last page
	reg.ResetRequests()

	s, _ := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	assert.Equal(t, 4, reg.Count("GET", "/tags/list"), "11 tags in pages of 3")
}

func TestLookupPrefersCacheReposAndFillsThem(t *testing.T) {
	reg := registrytest.New(t)
	repo, cache1, cache2 := reg.Host+"/shop", reg.Host+"/cache-near", reg.Host+"/cache-far"
	img := pushStage(t, repo, digestA, 1000, "linux/amd64")
	tag := digestA + "-1000"
	copyTag(t, repo+":"+tag, cache2+":"+tag)
	reg.ResetRequests()

	s, w := newStorage(t, repo, registry.WithCacheRepos(cache1, cache2))
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	assert.Equal(t, 1, reg.Count("GET", "/v2/shop/tags/list"), "existence is --repo's to decide")
	assert.Equal(t, 0, reg.Count("GET", "/v2/cache-near/tags/list")+reg.Count("GET", "/v2/cache-far/tags/list"), "cache repos are never listed")
	assert.Equal(t, 0, reg.Count("GET", "/v2/shop/manifests/"), "read from the cache repo that has it")
	assert.Equal(t, 1, reg.Count("GET", "/v2/cache-far/manifests/"+tag))
	assert.Equal(t, repo+":"+tag, desc.Ref.String(), "names stay --repo's")
	assert.Empty(t, w.all())

	// Only in --repo: read from there, and both caches are filled.
	reg2 := registrytest.New(t)
	repo, cache1, cache2 = reg2.Host+"/shop", reg2.Host+"/cache-near", reg2.Host+"/cache-far"
	img = pushStage(t, repo, digestA, 1000, "linux/amd64")
	reg2.ResetRequests()
	s, w = newStorage(t, repo, registry.WithCacheRepos(cache1, cache2))
	desc, err = s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	want, _ := img.Digest()
	assert.Equal(t, want, desc.Manifest.Digest)
	assert.Equal(t, 1, reg2.Count("GET", "/v2/shop/manifests/"), "read once, for the run and both fills")
	assert.Equal(t, 0, reg2.Count("GET", "/blobs/"), "one registry: blobs are mounted")
	for _, c := range []string{cache1, cache2} {
		assert.Equal(t, want, digestOf(t, c+":"+tag), c+" filled with the same manifest")
	}
	assert.Empty(t, w.all())
}

func TestLookupCopiesFromSecondaryRepos(t *testing.T) {
	reg := registrytest.New(t)
	other := registrytest.New(t)
	repo, cache := reg.Host+"/shop", reg.Host+"/cache"
	secondary1, secondary2 := other.Host+"/old-shop", other.Host+"/older-shop"
	img := pushStage(t, secondary2, digestA, 700, "linux/amd64")
	pushStage(t, secondary2, digestA, 900, "linux/amd64")

	other.ResetRequests()
	s, _ := newStorage(t, repo, registry.WithSecondaryRepos(secondary1, secondary2), registry.WithCacheRepos(cache))
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	tag := digestA + "-700"
	assert.Equal(t, repo+":"+tag, desc.Ref.String(), "copied under the same tag")
	assert.Equal(t, registry.OriginSecondary, desc.Origin)
	assert.Equal(t, 1, other.Count("GET", "/v2/older-shop/manifests/"+tag), "the manifest is read once")
	assert.Equal(t, 0, reg.Count("GET", "/manifests/"), "and not read back")
	want, _ := img.Digest()
	assert.Equal(t, want, desc.Manifest.Digest)
	assert.Equal(t, want, digestOf(t, repo+":"+tag))
	assert.Equal(t, want, digestOf(t, cache+":"+tag), "and into the cache repo")
	cfg, err := desc.Config(context.Background())
	require.NoError(t, err)
	assert.Equal(t, project, cfg.Config.Labels[registry.LabelProject])

	// Secondary repos are read-only.
	assert.ElementsMatch(t, []string{digestA + "-700", digestA + "-900"}, tagsOf(t, secondary2))
	for _, method := range []string{"PUT", "POST", "PATCH", "DELETE"} {
		assert.Zero(t, other.Count(method, ""), "a %s to the secondary registry", method)
	}

	again, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	assert.Equal(t, desc.Ref, again.Ref, "found in --repo now")
}

// copyTag copies one tag to another repository with go-containerregistry.
func copyTag(t *testing.T, from, to string) {
	t.Helper()
	src, err := name.ParseReference(from)
	require.NoError(t, err)
	dst, err := name.ParseReference(to)
	require.NoError(t, err)
	img, err := remote.Image(src)
	require.NoError(t, err)
	require.NoError(t, remote.Write(dst, img))
}

// A cache repo that fails other than by lacking a stage (it is down, it refuses
// the credentials) is set aside for the rest of the run with one warning,
// instead of costing every stage its retries.
func TestFailingCacheRepoIsSetAside(t *testing.T) {
	reg := registrytest.New(t)
	repo, cache := reg.Host+"/shop", reg.Host+"/cache"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	pushStage(t, repo, digestB, 1000, "linux/amd64")
	reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/v2/cache/") {
			return false
		}
		http.Error(w, `{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}`, http.StatusInternalServerError)
		return true
	})
	s, w := newStorage(t, repo, registry.WithCacheRepos(cache))
	ctx := context.Background()

	desc, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)
	require.NotNil(t, desc)
	require.Len(t, w.all(), 1)
	assert.Contains(t, w.all()[0], "--cache-repo "+cache+": read "+digestA+"-1000: ")
	assert.Contains(t, w.all()[0], "(not using this cache repo for the rest of the run)")
	asked := reg.Count("", "/v2/cache/")
	assert.Greater(t, asked, 1, "retried first")

	desc, err = s.Lookup(ctx, digestB)
	require.NoError(t, err)
	require.NotNil(t, desc)
	_, published, err := s.Publish(ctx, strings.Repeat("c", 56), stageLabels, pushFunc(t, "linux/amd64", nil))
	require.NoError(t, err)
	require.True(t, published)
	assert.Equal(t, asked, reg.Count("", "/v2/cache/"), "not asked again")
	assert.Len(t, w.all(), 1)
}
