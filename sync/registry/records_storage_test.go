package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A --repo that werf v3 marked as keeping its records in a meta repository:
// records go nowhere until --meta-repo names that repository, then go there.
func TestRecordsFollowWerfV3MetaRepoMarker(t *testing.T) {
	reg := registrytest.New(t)
	repo, meta := reg.Host+"/shop", reg.Host+"/shop-meta"
	marker, _ := newStorage(t, repo)
	require.NoError(t, marker.PushMarker(context.Background(), "werf-meta-repo-marker-"+project, map[string]string{"werf": project, "metarepoaddress": meta}))

	records := []registry.ImageRecord{{Image: "app", StageID: digestA + "-1000"}}
	policy := registry.RecordsPolicy{ManagedImages: true, Commit: "0123456789abcdef0123456789abcdef01234567"}

	s, _ := newStorage(t, repo)
	err := s.WriteImageRecords(context.Background(), policy, records)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "managed by werf v3")
	assert.Contains(t, err.Error(), "--meta-repo "+meta)

	s, _ = newStorage(t, repo, registry.WithMetaRepo(reg.Host+"/elsewhere"))
	err = s.WriteImageRecords(context.Background(), policy, records)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not the meta repository")

	s, _ = newStorage(t, repo, registry.WithMetaRepo(meta))
	require.NoError(t, s.WriteImageRecords(context.Background(), policy, records))
	metaRepo, _ := name.NewRepository(meta)
	tags, err := remote.List(metaRepo)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{registry.ManagedImageTag("app"), registry.MetaTag("app", policy.Commit, digestA+"-1000")}, tags)
}

// --meta-repo for a repository werf v3 has not marked is a mistake, not a
// place to scatter records.
func TestMetaRepoWithoutMarker(t *testing.T) {
	reg := registrytest.New(t)
	s, _ := newStorage(t, reg.Host+"/shop", registry.WithMetaRepo(reg.Host+"/shop-meta"))
	err := s.WriteImageRecords(context.Background(), registry.RecordsPolicy{ManagedImages: true}, []registry.ImageRecord{{Image: "app"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "drop --meta-repo")
}

func TestRecordedStages(t *testing.T) {
	reg := registrytest.New(t)
	s, _ := newStorage(t, reg.Host+"/shop")
	const c1, c2 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	require.NoError(t, s.WriteImageRecords(context.Background(), registry.RecordsPolicy{Commit: c1},
		[]registry.ImageRecord{{Image: "app", StageID: digestA + "-1000"}, {Image: "worker", StageID: digestB + "-2000"}}))
	require.NoError(t, s.WriteImageRecords(context.Background(), registry.RecordsPolicy{Commit: c2},
		[]registry.ImageRecord{{Image: "app", StageID: digestB + "-3000"}}))

	fresh, _ := newStorage(t, reg.Host+"/shop")
	reg.ResetRequests()
	got, err := fresh.RecordedStages(context.Background(), "app")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{c1: digestA + "-1000", c2: digestB + "-3000"}, got)
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 0, reg.Count("GET", "/manifests/"))
}
