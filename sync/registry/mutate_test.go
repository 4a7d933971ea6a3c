package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A stage that only changes its base's config is made registry to registry: the
// base's layers stay where they are, only a config and a manifest are written.
func TestConfigPush(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	baseImg := pushStage(t, repo, digestA, 1000, "linux/arm64")
	s, _ := newStorage(t, repo)
	ctx := context.Background()
	base, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)

	reg.ResetRequests()
	change := func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
		cfg.Author = "team@example.com"
		cfg.Config.User = "nobody"
		cfg.Config.Labels = labels
		return cfg, nil
	}
	desc, published, err := s.Publish(ctx, digestB, registry.StageLabels{Project: project, ContentDigest: "content"}, s.ConfigPush(base, change))
	require.NoError(t, err)
	assert.True(t, published)
	assert.Equal(t, 1, reg.Count("GET", "/blobs/sha256"), "the base's config is read once, no layer")
	assert.Equal(t, 1, reg.Count("PUT", "/blobs/uploads/"), "the config is the only blob written")

	ref, err := name.ParseReference(desc.Ref.String())
	require.NoError(t, err)
	img, err := remote.Image(ref)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "team@example.com", cfg.Author)
	assert.Equal(t, "nobody", cfg.Config.User)
	assert.Equal(t, "arm64", cfg.Architecture)
	assert.Equal(t, project, cfg.Config.Labels[registry.LabelProject], "the change placed the stage's labels")
	assert.Equal(t, "content", cfg.Config.Labels[registry.LabelContentDigest])

	want, err := baseImg.Layers()
	require.NoError(t, err)
	got, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		wd, _ := want[i].Digest()
		gd, _ := got[i].Digest()
		assert.Equal(t, wd, gd)
	}
}

// A stage that adds a layer uploads that layer only: the base's are in the
// repository already.
func TestLayerPushUploadsOnlyTheNewLayer(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	s, _ := newStorage(t, repo)
	ctx := context.Background()
	base, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)
	baseCfg, err := base.Config(ctx)
	require.NoError(t, err)
	baseLayers := len(baseCfg.RootFS.DiffIDs)

	add, err := random.Layer(256, types.DockerLayer)
	require.NoError(t, err)
	reg.ResetRequests()
	desc, published, err := s.Publish(ctx, digestB, registry.StageLabels{Project: project, ContentDigest: "c"},
		s.LayerPush(base, []v1.Layer{add}, registry.AddLabels))
	require.NoError(t, err)
	require.True(t, published)
	assert.Equal(t, 2, reg.Count("POST", "/blobs/uploads/"), "one upload for the new layer, one for the config: the base's layers stay")

	cfg, err := desc.Config(ctx)
	require.NoError(t, err)
	require.Len(t, cfg.RootFS.DiffIDs, baseLayers+1)
	diff, err := add.DiffID()
	require.NoError(t, err)
	assert.Equal(t, diff, cfg.RootFS.DiffIDs[baseLayers])
	assert.Equal(t, "c", cfg.Config.Labels[registry.LabelContentDigest])
	again, err := base.Config(ctx)
	require.NoError(t, err)
	assert.Len(t, again.RootFS.DiffIDs, baseLayers, "the base stage's config is left as it was")
}
