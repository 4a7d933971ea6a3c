package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// Put copies a manifest byte for byte, registry to registry: within one
// registry no blob is downloaded; a tag that names it already is not written.
func TestRepositoryPut(t *testing.T) {
	reg := registrytest.New(t)
	ctx := context.Background()
	img := image(t, "linux/amd64", map[string]string{"a": "b"})
	src, err := name.NewTag(reg.Host + "/app:content")
	require.NoError(t, err)
	require.NoError(t, remote.Write(src, img))
	want, err := img.Digest()
	require.NoError(t, err)

	app, err := registry.OpenRepository("repo", reg.Host+"/app", fastRetry)
	require.NoError(t, err)
	release, err := registry.OpenRepository("release repository", reg.Host+"/app/release", fastRetry)
	require.NoError(t, err)

	got, err := app.Get(ctx, "content")
	require.NoError(t, err)
	assert.Equal(t, want, got.Desc.Digest)

	tests := []struct {
		name string
		to   *registry.Repository
		tag  string
	}{
		{"same repository", app, "v1.0.0"},
		{"another repository of the registry", release, "v1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg.ResetRequests()
			written, err := tt.to.Put(ctx, tt.tag, got)
			require.NoError(t, err)
			assert.True(t, written)
			assert.Zero(t, reg.Count("GET", "/blobs/"), "no blob downloaded")
			assert.Equal(t, want, digestOf(t, tt.to.Tag(tt.tag).String()), "byte for byte")

			reg.ResetRequests()
			written, err = tt.to.Put(ctx, tt.tag, got)
			require.NoError(t, err)
			assert.False(t, written, "the tag names it already")
			assert.Zero(t, reg.Count("PUT", ""))
			assert.Zero(t, reg.Count("POST", ""))
		})
	}

	// Another manifest under the tag is replaced, as crane copy does.
	other := image(t, "linux/amd64", map[string]string{"a": "c"})
	require.NoError(t, remote.Write(app.Tag("v1.0.0"), other))
	written, err := app.Put(ctx, "v1.0.0", got)
	require.NoError(t, err)
	assert.True(t, written)
	assert.Equal(t, want, digestOf(t, app.Tag("v1.0.0").String()))
}

func TestRepositoryGetHasWrite(t *testing.T) {
	reg := registrytest.New(t)
	ctx := context.Background()
	r, err := registry.OpenRepository("module source", reg.Host+"/modules", fastRetry)
	require.NoError(t, err)

	_, err = r.Get(ctx, "missing")
	require.Error(t, err)
	assert.True(t, registry.IsNotFound(err))
	assert.Contains(t, err.Error(), "module source "+reg.Host+"/modules: read missing")

	img := image(t, "linux/amd64", nil)
	h, err := img.Digest()
	require.NoError(t, err)
	has, err := r.Has(ctx, h.String())
	require.NoError(t, err)
	assert.False(t, has)

	written, err := r.Write(ctx, "hello", img)
	require.NoError(t, err)
	assert.True(t, written)
	written, err = r.Write(ctx, "hello", img)
	require.NoError(t, err)
	assert.False(t, written)

	has, err = r.Has(ctx, h.String())
	require.NoError(t, err)
	assert.True(t, has)
	_, err = r.Has(ctx, "sha256:nope")
	assert.ErrorContains(t, err, `digest "sha256:nope"`)

	reg.Inject(registrytest.RequireBasicAuth("u", "p"))
	_, err = r.Has(ctx, h.String())
	assert.ErrorContains(t, err, "401 Unauthorized")
}

// Images are the image itself, or each image its index lists with its platform.
func TestTaggedImages(t *testing.T) {
	reg := registrytest.New(t)
	ctx := context.Background()
	amd, arm := image(t, "linux/amd64", nil), image(t, "linux/arm64", nil)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	r, err := registry.OpenRepository("repo", reg.Host+"/app", fastRetry)
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(r.Tag("multi"), idx))
	require.NoError(t, remote.Write(r.Tag("single"), amd))

	tests := []struct {
		tag       string
		platforms []string
		images    []v1.Image
	}{
		{"single", []string{""}, []v1.Image{amd}},
		{"multi", []string{"linux/amd64", "linux/arm64"}, []v1.Image{amd, arm}},
	}
	for _, tt := range tests {
		got, err := r.Get(ctx, tt.tag)
		require.NoError(t, err)
		imgs, err := got.Images()
		require.NoError(t, err)
		require.Len(t, imgs, len(tt.images), tt.tag)
		for i, pi := range imgs {
			assert.Equal(t, tt.platforms[i], pi.Platform)
			want, _ := tt.images[i].Digest()
			h, err := pi.Image.Digest()
			require.NoError(t, err)
			assert.Equal(t, want, h)
		}
	}
}
