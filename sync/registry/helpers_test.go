package registry_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
)

const project = "shop"

// digestA and digestB are stage digests (56 hex).
var (
	digestA = strings.Repeat("a", 56)
	digestB = strings.Repeat("b", 56)
)

// fast retries keep fault tests quick.
var fastRetry = registry.WithRetryBackoff(remote.Backoff{Duration: 10 * time.Millisecond, Factor: 1, Steps: 4})

// warnings collects a Storage's warnings.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) add(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, s)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.list...)
}

func newStorage(t testing.TB, repo string, opts ...registry.Option) (*registry.Storage, *warnings) {
	t.Helper()
	w := &warnings{}
	s, err := registry.New(project, repo, append([]registry.Option{fastRetry, registry.WithWarnings(w.add)}, opts...)...)
	require.NoError(t, err)
	return s, w
}

// image makes a small image for a platform carrying labels.
func image(t testing.TB, platform string, labels map[string]string) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg = cfg.DeepCopy()
	p, err := v1.ParsePlatform(platform)
	require.NoError(t, err)
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Config.Labels = labels
	img, err = mutate.ConfigFile(img, cfg)
	require.NoError(t, err)
	return img
}

// pushStage stores an image under a stage tag directly, as another builder would.
func pushStage(t testing.TB, repo string, digest string, ts int64, platform string) v1.Image {
	t.Helper()
	img := image(t, platform, map[string]string{registry.LabelProject: project})
	ref, err := name.NewTag(fmt.Sprintf("%s:%s", repo, stages.StageID{Digest: digest, CreatedAt: ts}))
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img))
	return img
}

// pushFunc is the PushFunc of tests: a small image for the platform, with the labels.
func pushFunc(t testing.TB, platform string, calls *int) registry.PushFunc {
	return func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		if calls != nil {
			*calls++
		}
		return remote.Write(ref, image(t, platform, labels), remote.WithContext(ctx))
	}
}

func tagsOf(t testing.TB, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo)
	require.NoError(t, err)
	tags, err := remote.List(r)
	require.NoError(t, err)
	return tags
}

func digestOf(t testing.TB, ref string) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r)
	require.NoError(t, err)
	return d.Digest
}

// writeIndex writes a one-image index under ref.
func writeIndex(t testing.TB, ref name.Tag) error {
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: image(t, "linux/amd64", nil)})
	return remote.WriteIndex(ref, idx)
}

// emptyKeychain resolves every registry to anonymous access.
type emptyKeychain struct{}

func (emptyKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.Anonymous, nil
}
