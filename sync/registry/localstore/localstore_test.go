package localstore_test

import (
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry/localstore"
)

// What one run stores, the next run finds, at the same address.
func TestStorePersists(t *testing.T) {
	dir := t.TempDir()
	s, err := localstore.Open(dir)
	require.NoError(t, err)
	addr := s.Addr()
	img, err := random.Image(128, 2)
	require.NoError(t, err)
	ref, _ := name.NewTag(addr + "/shop:stage-1")
	require.NoError(t, remote.Write(ref, img))
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	listRef, _ := name.NewTag(addr + "/shop:list")
	require.NoError(t, remote.WriteIndex(listRef, idx))

	_, err = localstore.Open(dir)
	assert.ErrorContains(t, err, "cannot listen on "+addr+", where its images are named (another dagwerf build using it?)")
	require.NoError(t, s.Close())

	again, err := localstore.Open(dir)
	require.NoError(t, err)
	defer again.Close()
	assert.Equal(t, addr, again.Addr())
	got, err := remote.Image(ref)
	require.NoError(t, err)
	want, _ := img.Digest()
	gotDigest, _ := got.Digest()
	assert.Equal(t, want, gotDigest)
	layers, err := got.Layers()
	require.NoError(t, err)
	_, err = layers[0].Compressed()
	require.NoError(t, err, "blobs are kept too")
	repo, _ := name.NewRepository(addr + "/shop")
	tags, err := remote.List(repo)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"stage-1", "list"}, tags)
}
