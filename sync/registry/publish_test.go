package registry_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

var stageLabels = registry.StageLabels{
	Project:       project,
	Version:       "dagwerf-test",
	ContentDigest: strings.Repeat("c", 56),
	Commit:        "0123456789abcdef0123456789abcdef01234567",
	Dependencies:  []stages.StageID{{Digest: strings.Repeat("d", 56), CreatedAt: 42}},
}

func TestPublish(t *testing.T) {
	reg := registrytest.New(t)
	repo, cache := reg.Host+"/shop", reg.Host+"/cache"
	now := time.UnixMilli(1700000000123)
	s, w := newStorage(t, repo, registry.WithCacheRepos(cache), registry.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	calls := 0
	desc, published, err := s.Publish(ctx, digestA, stageLabels, pushFunc(t, "linux/arm64", &calls))
	require.NoError(t, err)
	assert.True(t, published)
	assert.Equal(t, 1, calls)
	assert.Equal(t, repo+":"+digestA+"-1700000000123", desc.Ref.String())
	assert.Equal(t, digestOf(t, desc.Ref.String()), desc.Manifest.Digest)
	assert.Equal(t, desc.Manifest.Digest, digestOf(t, cache+":"+digestA+"-1700000000123"), "the cache repo is filled")
	assert.Equal(t, 1, reg.Count("GET", "/v2/shop/manifests/"), "read back once, for the run and the cache repo")
	assert.Empty(t, w.all())

	cfg, err := desc.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"werf":                      project,
		"werf-version":              "dagwerf-test",
		"werf-stage-content-digest": strings.Repeat("c", 56),
		"werf-project-repo-commit":  "0123456789abcdef0123456789abcdef01234567",
		// sha256 of the dependency's stage ID
		"werf-dependency-stage-id-" + stages.Sha256(strings.Repeat("d", 56)+"-42"): strings.Repeat("d", 56) + "-42",
	}, cfg.Config.Labels)

	// The run sees what it published without listing again.
	reg.ResetRequests()
	found, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)
	assert.Equal(t, desc.Ref, found.Ref)
	assert.Equal(t, 0, reg.Count("GET", "/tags/list"))
}

// Another builder published the digest between our lookup and our publish: under
// the lock the fresh listing finds it, and ours is discarded.
func TestPublishFindsAStageThatAppearedMeanwhile(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	s, _ := newStorage(t, repo)
	ctx := context.Background()
	none, err := s.Lookup(ctx, digestA) // the run's listing: empty
	require.NoError(t, err)
	require.Nil(t, none)

	pushStage(t, repo, digestA, 1000, "linux/amd64")
	calls := 0
	desc, published, err := s.Publish(ctx, digestA, stageLabels, pushFunc(t, "linux/amd64", &calls))
	require.NoError(t, err)
	assert.False(t, published)
	assert.Equal(t, 0, calls, "nothing is pushed")
	assert.Equal(t, int64(1000), desc.ID.CreatedAt)
}

func TestPublishRefusesAnIndex(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	s, _ := newStorage(t, repo)
	_, _, err := s.Publish(context.Background(), digestA, stageLabels, func(ctx context.Context, ref name.Tag, _ map[string]string) error {
		return writeIndex(t, ref)
	})
	assert.ErrorContains(t, err, "the registry holds a application/vnd.oci.image.index.v1+json, not an image manifest: a stage must be a single-platform image")
}

func TestPublishPushFailure(t *testing.T) {
	reg := registrytest.New(t)
	s, _ := newStorage(t, reg.Host+"/shop")
	_, _, err := s.Publish(context.Background(), digestA, stageLabels, func(context.Context, name.Tag, map[string]string) error {
		return errors.New("engine exploded")
	})
	assert.ErrorContains(t, err, "push "+reg.Host+"/shop:"+digestA+"-")
	assert.ErrorContains(t, err, "engine exploded")
}

// N builders (each its own Storage, as separate runners would be) publish the same
// digest at once. With a shared lock exactly one tag is pushed; every builder ends
// with that stage.
func TestPublishRace(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	locker := &sharedLocker{}
	const builders = 8
	refs := make([]string, builders)
	var pushes sync.Map
	var wg sync.WaitGroup
	for i := range builders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := newStorage(t, repo, registry.WithLocker(locker))
			_, err := s.Lookup(context.Background(), digestA)
			assert.NoError(t, err)
			desc, published, err := s.Publish(context.Background(), digestA, stageLabels, pushFunc(t, "linux/amd64", nil))
			if !assert.NoError(t, err) {
				return
			}
			if published {
				pushes.Store(i, true)
			}
			refs[i] = desc.Ref.String()
		}()
	}
	wg.Wait()
	n := 0
	pushes.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, 1, n, "one push")
	assert.Len(t, tagsOf(t, repo), 1, "one tag")
	for _, r := range refs {
		assert.Equal(t, refs[0], r, "every builder uses it")
	}
}

// Without a shared lock builders may each push, and still all select one stage: the
// oldest.
func TestPublishRaceWithoutLockSelectsOneStage(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	const builders = 4
	var wg sync.WaitGroup
	for i := range builders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := newStorage(t, repo, registry.WithClock(func() time.Time { return time.UnixMilli(int64(1000 + i)) }))
			_, _, err := s.Publish(context.Background(), digestA, stageLabels, pushFunc(t, "linux/amd64", nil))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	var selected []string
	for range builders {
		s, _ := newStorage(t, repo)
		desc, err := s.Lookup(context.Background(), digestA)
		require.NoError(t, err)
		selected = append(selected, desc.Ref.String())
	}
	for _, r := range selected {
		assert.Equal(t, selected[0], r)
	}
}

// A lock lost while pushing fails the publish with the lock's cause.
func TestPublishLostLease(t *testing.T) {
	reg := registrytest.New(t)
	lost := errors.New("lock shop." + digestA + " lost: lease expired")
	s, _ := newStorage(t, reg.Host+"/shop", registry.WithLocker(losingLocker{cause: lost}))
	_, _, err := s.Publish(context.Background(), digestA, stageLabels, func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		<-ctx.Done()
		return ctx.Err()
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, lost)
	assert.Contains(t, err.Error(), "lease expired")
}

// sharedLocker is one lock table for several Storages, as a synchronization server is.
type sharedLocker struct{ mu sync.Mutex }

func (l *sharedLocker) LockStage(ctx context.Context, _, _ string) (context.Context, func(), error) {
	l.mu.Lock()
	var once sync.Once
	return ctx, func() { once.Do(l.mu.Unlock) }, nil
}

// losingLocker loses every lock at once.
type losingLocker struct{ cause error }

func (l losingLocker) LockStage(ctx context.Context, _, _ string) (context.Context, func(), error) {
	held, cancel := context.WithCancelCause(ctx)
	go func() { time.Sleep(20 * time.Millisecond); cancel(l.cause) }()
	return held, func() { cancel(nil) }, nil
}

// The HTTP and Kubernetes lockers cancel the held context at release. A stage
// published or found under the lock is still read and copied afterwards: its
// config, the cache repo on another registry (blobs streamed after the release)
// and the final repo.
func TestPublishedStageOutlivesItsLock(t *testing.T) {
	reg := registrytest.New(t)
	other := registrytest.New(t)
	repo, cache, final := reg.Host+"/shop", other.Host+"/cache", other.Host+"/release"
	s, w := newStorage(t, repo, registry.WithLocker(releasingLocker{}), registry.WithCacheRepos(cache), registry.WithFinalRepo(final))
	ctx := context.Background()

	desc, published, err := s.Publish(ctx, digestA, stageLabels, pushFunc(t, "linux/amd64", nil))
	require.NoError(t, err)
	require.True(t, published)
	assert.Empty(t, w.all())
	assert.Equal(t, desc.Manifest.Digest, digestOf(t, cache+":"+desc.ID.String()), "the cache repo is filled after the release")
	cfg, err := desc.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, stageLabels.Version, cfg.Config.Labels[registry.LabelVersion])
	ref, err := s.CopyToFinal(ctx, desc)
	require.NoError(t, err)
	assert.Equal(t, desc.Manifest.Digest, digestOf(t, ref.String()))

	// Another builder's stage, found by the re-check under the lock.
	_, err = s.Lookup(ctx, digestB)
	require.NoError(t, err)
	pushStage(t, repo, digestB, 1000, "linux/arm64")
	found, published, err := s.Publish(ctx, digestB, stageLabels, pushFunc(t, "linux/arm64", nil))
	require.NoError(t, err)
	require.False(t, published)
	cfg, err = found.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, "linux/arm64", cfg.Platform().String())
	ref, err = s.CopyToFinal(ctx, found)
	require.NoError(t, err)
	assert.Equal(t, found.Manifest.Digest, digestOf(t, ref.String()))
	assert.Empty(t, w.all())
}

// A config that could not be read is read again at the next call.
func TestConfigReadFailureIsNotKept(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	s, _ := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)

	reg.Inject(registrytest.Once(1, func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.URL.Path, "/blobs/") {
			return false
		}
		http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN","message":"injected"}]}`, http.StatusNotFound)
		return true
	}))
	_, err = desc.Config(context.Background())
	require.ErrorContains(t, err, "--repo "+repo+": read the config of "+desc.ID.String()+": ")
	cfg, err := desc.Config(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "linux/amd64", cfg.Platform().String())
}

// releasingLocker cancels the held context at release, as the HTTP and Kubernetes
// lockers do.
type releasingLocker struct{}

func (releasingLocker) LockStage(ctx context.Context, _, _ string) (context.Context, func(), error) {
	held, cancel := context.WithCancel(ctx)
	return held, cancel, nil
}
