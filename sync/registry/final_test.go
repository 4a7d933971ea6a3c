package registry_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

func TestCopyToFinalOncePerTag(t *testing.T) {
	reg := registrytest.New(t)
	repo, final := reg.Host+"/shop", reg.Host+"/release"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	s, _ := newStorage(t, repo, registry.WithFinalRepo(final))
	ctx := context.Background()
	desc, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)

	reg.ResetRequests()
	ref, err := s.CopyToFinal(ctx, desc)
	require.NoError(t, err)
	assert.Equal(t, final+":"+digestA+"-1000", ref.String())
	assert.Equal(t, 0, reg.Count("GET", "/blobs/"), "registry to registry: no blob is downloaded")
	assert.Equal(t, 0, reg.Count("GET", "/manifests/"), "the manifest read at lookup is copied")
	assert.Equal(t, desc.Manifest.Digest, digestOf(t, ref.String()), "byte for byte")

	reg.ResetRequests()
	_, err = s.CopyToFinal(ctx, desc)
	require.NoError(t, err)
	assert.Empty(t, reg.Requests(), "copied already: nothing to do")

	// A new run lists the final repo once and copies nothing it has.
	s2, _ := newStorage(t, repo, registry.WithFinalRepo(final))
	desc2, err := s2.Lookup(ctx, digestA)
	require.NoError(t, err)
	reg.ResetRequests()
	_, err = s2.CopyToFinal(ctx, desc2)
	require.NoError(t, err)
	assert.Equal(t, 1, reg.Count("GET", "/v2/release/tags/list"))
	assert.Equal(t, 0, reg.Count("PUT", ""))
}

func TestCopyToFinalWithoutFinalRepo(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	s, _ := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	ref, err := s.CopyToFinal(context.Background(), desc)
	require.NoError(t, err)
	assert.Equal(t, desc.Ref, ref)
}

func TestManifestList(t *testing.T) {
	reg := registrytest.New(t)
	repo, final := reg.Host+"/shop", reg.Host+"/release"
	amd := pushStage(t, repo, digestA, 1000, "linux/amd64")
	arm := pushStage(t, repo, digestB, 2000, "linux/arm64/v8")
	s, _ := newStorage(t, repo, registry.WithFinalRepo(final))
	ctx := context.Background()
	a, err := s.Lookup(ctx, digestA)
	require.NoError(t, err)
	b, err := s.Lookup(ctx, digestB)
	require.NoError(t, err)

	list, err := s.PublishManifestList(ctx, map[string]*registry.StageDesc{"linux/arm64": b, "linux/amd64": a})
	require.NoError(t, err)
	wantTag := stages.ManifestListTag(map[string]stages.StageID{"linux/amd64": a.ID, "linux/arm64": b.ID})
	assert.Equal(t, repo+":"+wantTag, list.Ref.String())
	assert.Len(t, wantTag, 56)
	assert.True(t, list.Written, "this call wrote the list")

	ref, _ := name.NewTag(list.Ref.String())
	d, err := remote.Get(ref)
	require.NoError(t, err)
	assert.Equal(t, types.DockerManifestList, d.MediaType)
	assert.Equal(t, list.Manifest.Digest, d.Digest)
	var index v1.IndexManifest
	require.NoError(t, json.Unmarshal(d.Manifest, &index))
	require.Len(t, index.Manifests, 2)
	amdDigest, _ := amd.Digest()
	armDigest, _ := arm.Digest()
	assert.Equal(t, amdDigest, index.Manifests[0].Digest, "ordered by platform")
	assert.Equal(t, "linux/amd64", index.Manifests[0].Platform.String())
	assert.Equal(t, armDigest, index.Manifests[1].Digest)
	assert.Equal(t, "linux/arm64/v8", index.Manifests[1].Platform.String(), "the platform the stage's config states")
	assert.Empty(t, index.Manifests[0].Annotations)

	// Under its content-derived tag the list is written once.
	s2, _ := newStorage(t, repo, registry.WithFinalRepo(final))
	a2, _ := s2.Lookup(ctx, digestA)
	b2, _ := s2.Lookup(ctx, digestB)
	reg.ResetRequests()
	again, err := s2.PublishManifestList(ctx, map[string]*registry.StageDesc{"linux/arm64": b2, "linux/amd64": a2})
	require.NoError(t, err)
	assert.Equal(t, list.Manifest.Digest, again.Manifest.Digest)
	assert.Equal(t, 0, reg.Count("PUT", ""))
	assert.False(t, again.Written, "the list was there already")

	// The final repo gets the list and its platforms' images, as the run read them.
	reg.ResetRequests()
	finalRef, err := s2.CopyToFinal(ctx, again)
	require.NoError(t, err)
	assert.Equal(t, 0, reg.Count("GET", "/manifests/"))
	assert.Equal(t, 0, reg.Count("GET", "/blobs/"))
	assert.Equal(t, list.Manifest.Digest, digestOf(t, finalRef.String()))
	assert.Equal(t, amdDigest, digestOf(t, final+"@"+amdDigest.String()))
}

func TestCustomTags(t *testing.T) {
	reg := registrytest.New(t)
	repo, final := reg.Host+"/shop", reg.Host+"/release"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	ctx := context.Background()

	for _, tc := range []struct {
		name   string
		opts   []registry.Option
		target string
	}{
		{"in --repo", nil, repo},
		{"in --final-repo", []registry.Option{registry.WithFinalRepo(final)}, final},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStorage(t, repo, tc.opts...)
			desc, err := s.Lookup(ctx, digestA)
			require.NoError(t, err)
			_, err = s.CopyToFinal(ctx, desc)
			require.NoError(t, err)
			tags, err := registry.CustomTags([]string{"%image%-latest", "v1-%image_slug%"}, []registry.CustomTagImage{{Name: "backend/API", ContentBasedTag: desc.ID.String()}})
			require.Error(t, err, "backend/API-latest is not a valid tag")
			tags, err = registry.CustomTags([]string{"%image_safe_slug%-latest", "v1-%image_slug%"}, []registry.CustomTagImage{{Name: "api", ContentBasedTag: desc.ID.String()}})
			require.NoError(t, err)
			refs, err := s.AddTags(ctx, desc, tags["api"]...)
			require.NoError(t, err)
			require.Len(t, refs, 2)
			for _, r := range refs {
				assert.Equal(t, tc.target, r.Context().String())
				assert.Equal(t, desc.Manifest.Digest, digestOf(t, r.String()))
			}
		})
	}
}
