package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
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

// A stage that adds a layer to its base is made registry to registry: the
// base's layers are not read nor uploaded again; the new layer, the config and
// the manifest are written. The new layer takes the base's manifest kind.
func TestLayerPush(t *testing.T) {
	tests := []struct {
		name      string
		oci       bool
		wantLayer types.MediaType
	}{
		{name: "a Docker base", wantLayer: types.DockerLayer},
		{name: "an OCI base", oci: true, wantLayer: types.OCILayer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			baseImg := image(t, "linux/amd64", map[string]string{registry.LabelProject: project, "kept": "yes"})
			if tt.oci {
				baseImg = mutate.MediaType(baseImg, types.OCIManifestSchema1)
				baseImg = mutate.ConfigMediaType(baseImg, types.OCIConfigJSON)
			}
			ref, err := name.NewTag(fmt.Sprintf("%s:%s", repo, stages.StageID{Digest: digestA, CreatedAt: 1000}))
			require.NoError(t, err)
			require.NoError(t, remote.Write(ref, baseImg))
			s, _ := newStorage(t, repo)
			ctx := context.Background()
			base, err := s.Lookup(ctx, digestA)
			require.NoError(t, err)

			added, err := random.Layer(256, types.DockerLayer)
			require.NoError(t, err)
			reg.ResetRequests()
			change := func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
				for k, v := range labels {
					cfg.Config.Labels[k] = v
				}
				return cfg, nil
			}
			desc, published, err := s.Publish(ctx, digestB, registry.StageLabels{Project: project, ContentDigest: "content"}, s.LayerPush(base, []v1.Layer{added}, change))
			require.NoError(t, err)
			assert.True(t, published)
			assert.Equal(t, 1, reg.Count("GET", "/blobs/sha256"), "the base's config is read once, no layer")
			assert.Equal(t, 2, reg.Count("PUT", "/blobs/uploads/"), "the new layer and the config are the only blobs written")

			got, err := remote.Image(mustRef(t, desc.Ref.String()))
			require.NoError(t, err)
			m, err := got.Manifest()
			require.NoError(t, err)
			baseManifest, err := baseImg.Manifest()
			require.NoError(t, err)
			require.Len(t, m.Layers, 2)
			assert.Equal(t, baseManifest.MediaType, m.MediaType)
			assert.Equal(t, baseManifest.Layers[0].Digest, m.Layers[0].Digest, "the base's layer is the same blob")
			addedDigest, err := added.Digest()
			require.NoError(t, err)
			assert.Equal(t, addedDigest, m.Layers[1].Digest)
			assert.Equal(t, tt.wantLayer, m.Layers[1].MediaType)

			cfg, err := got.ConfigFile()
			require.NoError(t, err)
			addedDiffID, err := added.DiffID()
			require.NoError(t, err)
			require.Len(t, cfg.RootFS.DiffIDs, 2)
			assert.Equal(t, addedDiffID, cfg.RootFS.DiffIDs[1])
			assert.Equal(t, "yes", cfg.Config.Labels["kept"], "the change decides what of the base's labels stays")
			assert.Equal(t, "content", cfg.Config.Labels[registry.LabelContentDigest])
		})
	}
}

func mustRef(t testing.TB, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	require.NoError(t, err)
	return ref
}

// An image over a stage that is no stage (the container a Stapel user stage
// runs in after a git patch) goes to --repo by digest alone: no tag names it,
// so no lookup finds it; only the new layer, the config and the manifest are
// written, and the base's config is otherwise kept.
func TestPushUntagged(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	s, _ := newStorage(t, repo)
	ctx := context.Background()
	base, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)
	before, err := remote.List(mustRef(t, repo+":x").Context())
	require.NoError(t, err)

	added, err := random.Layer(256, types.DockerLayer)
	require.NoError(t, err)
	reg.ResetRequests()
	ref, err := s.PushUntagged(ctx, base, []v1.Layer{added})
	require.NoError(t, err)
	assert.Equal(t, repo, ref.Context().String())
	assert.Equal(t, 2, reg.Count("PUT", "/blobs/uploads/"), "the new layer and the config")
	assert.Equal(t, 1, reg.Count("PUT", "/manifests/"+ref.DigestStr()), "the manifest, by its digest")

	after, err := remote.List(ref.Context())
	require.NoError(t, err)
	assert.Equal(t, before, after, "no tag")
	img, err := remote.Image(ref)
	require.NoError(t, err)
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 2)
	got, err := layers[1].Digest()
	require.NoError(t, err)
	want, err := added.Digest()
	require.NoError(t, err)
	assert.Equal(t, want, got)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	baseCfg, err := base.Config(ctx)
	require.NoError(t, err)
	assert.Equal(t, baseCfg.Config.Labels, cfg.Config.Labels, "the base's labels")
	assert.Equal(t, baseCfg.Created, cfg.Created, "the base's config, but for the layer")
}
