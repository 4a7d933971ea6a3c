package locks_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/locks"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// N builders, each with its own storage and locker as separate runners have,
// publish the same stage to one registry: exactly one tag is pushed, and all of
// them end with it. Over HTTP they also agree on one synchronization client ID,
// however many of them created one.
func TestPublishRaceThroughLocks(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(locks.NewServer(nil))
	defer srv.Close()
	for _, backend := range []string{":local", srv.URL} {
		t.Run(backend, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			home := t.TempDir()
			const builders = 6
			refs := make([]string, builders)
			var wg sync.WaitGroup
			for i := range builders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					refs[i] = publish(t, repo, backend, home)
				}()
			}
			wg.Wait()

			var stageTags, clientIDs []string
			r, _ := name.NewRepository(repo)
			tags, err := remote.List(r)
			require.NoError(t, err)
			for _, tag := range tags {
				if strings.HasPrefix(tag, "client-id-") {
					clientIDs = append(clientIDs, tag)
				} else {
					stageTags = append(stageTags, tag)
				}
			}
			assert.Len(t, stageTags, 1, "one stage tag")
			for _, ref := range refs {
				assert.Equal(t, repo+":"+stageTags[0], ref)
			}
			if backend != ":local" {
				assert.NotEmpty(t, clientIDs, "a client ID is kept in the repository")
			}
		})
	}
}

func publish(t *testing.T, repo, backend, home string) string {
	storage, err := registry.New("shop", repo)
	if !assert.NoError(t, err) {
		return ""
	}
	addr, err := locks.ParseAddress(backend)
	require.NoError(t, err)
	locker, err := locks.New(addr, locks.WithHomeDir(home), locks.WithClientID(func(ctx context.Context) (string, error) {
		return locks.ClientID(ctx, addr.URL, "shop", storage)
	}))
	if !assert.NoError(t, err) {
		return ""
	}
	storage, err = registry.New("shop", repo, registry.WithLocker(locker))
	if !assert.NoError(t, err) {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	desc, _, err := storage.Publish(ctx, digest, registry.StageLabels{Project: "shop", ContentDigest: digest}, func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		img, err := random.Image(32, 1)
		if err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond) // a push takes a while
		return remote.Write(ref, img, remote.WithContext(ctx))
	})
	if !assert.NoError(t, err) {
		return ""
	}
	// The lock's context (cancelled at release by the HTTP locker) is not the
	// one the stage is read with afterwards.
	if _, err := desc.Config(ctx); !assert.NoError(t, err, "the stage's config, read after the lock is released") {
		return ""
	}
	return desc.Ref.String()
}

func TestClientID(t *testing.T) {
	srv := httptest.NewServer(locks.NewServer(nil))
	defer srv.Close()

	existing := &fakeTags{tags: []string{"latest", "client-id-newer-id-with-dashes-1700000000500", "client-id-older-1700000000100", "client-id-broken-x"}}
	id, err := locks.ClientID(context.Background(), srv.URL, "shop", existing)
	require.NoError(t, err)
	assert.Equal(t, "older", id, "the oldest client-id tag")
	assert.Empty(t, existing.pushed)

	empty := &fakeTags{}
	id, err = locks.ClientID(context.Background(), srv.URL, "shop", empty)
	require.NoError(t, err)
	require.Len(t, empty.pushed, 1)
	assert.True(t, strings.HasPrefix(empty.pushed[0], "client-id-"+id+"-"), empty.pushed[0])
	assert.Equal(t, map[string]string{"werf": "shop"}, empty.labels)

	_, err = locks.ClientID(context.Background(), "http://127.0.0.1:1", "shop", &fakeTags{})
	assert.ErrorContains(t, err, "http://127.0.0.1:1: new client ID: ")
}

type fakeTags struct {
	tags   []string
	pushed []string
	labels map[string]string
}

func (f *fakeTags) Tags(context.Context, bool) ([]string, error) { return f.tags, nil }

func (f *fakeTags) PushMarker(_ context.Context, tag string, labels map[string]string) error {
	f.pushed = append(f.pushed, tag)
	f.labels = labels
	f.tags = append(f.tags, tag)
	return nil
}
