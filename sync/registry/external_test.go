package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/test/registrytest"
)

// werf's fromLatest hashes GetRepoImage(ref).ID: a single image's config
// digest, a multi-platform image's index digest.
func TestExternalImage(t *testing.T) {
	reg := registrytest.New(t)
	ctx := context.Background()
	amd, arm := image(t, "linux/amd64", nil), image(t, "linux/arm64", nil)

	single, err := name.NewTag(reg.Host + "/base:single")
	require.NoError(t, err)
	require.NoError(t, remote.Write(single, amd))
	multi, err := name.NewTag(reg.Host + "/base:multi")
	require.NoError(t, err)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	require.NoError(t, remote.WriteIndex(multi, idx))

	s, _ := newStorage(t, reg.Host+"/stages")

	e, err := s.External(ctx, single.String())
	require.NoError(t, err)
	id, err := e.ID()
	require.NoError(t, err)
	cfg, _ := amd.ConfigName()
	assert.Equal(t, cfg.String(), id)
	img, err := e.Image("linux/arm64")
	require.NoError(t, err, "a single image is the image of every platform")
	got, _ := img.Digest()
	want, _ := amd.Digest()
	assert.Equal(t, want, got)

	e, err = s.External(ctx, multi.String())
	require.NoError(t, err)
	id, err = e.ID()
	require.NoError(t, err)
	idxDigest, _ := idx.Digest()
	assert.Equal(t, idxDigest.String(), id)
	img, err = e.Image("linux/arm64")
	require.NoError(t, err)
	got, _ = img.Digest()
	want, _ = arm.Digest()
	assert.Equal(t, want, got)
	_, err = e.Image("linux/s390x")
	assert.ErrorContains(t, err, "has no linux/s390x image")

	_, err = s.External(ctx, reg.Host+"/base:missing")
	assert.ErrorContains(t, err, "read image "+reg.Host+"/base:missing")
}
