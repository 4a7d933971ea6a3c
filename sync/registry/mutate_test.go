package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
