package registry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/importsum"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A record werf v2.77.1 wrote (project importcheck): the tag, and its labels.
const (
	werfSourceID    = "2a0ed2200375e146108da481bf926c48077361c7115bded7fca5308861f84166"
	werfSourceStage = "4d9899995a4e9c9ffb986f88541140d8787e6492c5afefb6ef241c2c-1796520606271"
	werfChecksum    = "91a10f368339fdf1fb5b7278f7773685"
)

var werfRecord = registry.ImportMetadata{ImportSourceID: werfSourceID, SourceStageID: werfSourceStage, Checksum: werfChecksum}

func labelsOf(t testing.TB, ref string) map[string]string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	return cfg.Config.Labels
}

// apiCalls counts requests other than the ping (GET /v2/) a client sends first.
func apiCalls(reg *registrytest.Registry) int {
	n := 0
	for _, r := range reg.Requests() {
		if r.Path != "/v2/" {
			n++
		}
	}
	return n
}

func TestImportMetadataRoundTrip(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	s, _ := newStorage(t, repo)
	require.NoError(t, s.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{}))

	// The record as werf writes it: tag and labels.
	assert.Equal(t, "import-metadata-"+werfSourceID, registry.ImportMetadataTag(werfSourceID))
	assert.Equal(t, map[string]string{
		"werf":             project,
		"import-source-id": werfSourceID,
		"source-stage-id":  werfSourceStage,
		"checksum":         werfChecksum,
	}, labelsOf(t, repo+":import-metadata-"+werfSourceID))

	// Another run reads it: its listing, the manifest and the config.
	fresh, _ := newStorage(t, repo)
	reg.ResetRequests()
	got, err := fresh.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, werfRecord, *got)
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 1, reg.Count("GET", "/manifests/import-metadata-"+werfSourceID))
	assert.Equal(t, 1, reg.Count("GET", "/blobs/"))
	assert.Equal(t, 3, apiCalls(reg), "besides the registry ping")

	// The run that wrote it finds it without listing again.
	reg.ResetRequests()
	got, err = s.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, werfRecord, *got)
	assert.Equal(t, 0, reg.Count("GET", "/tags/list"))
}

// A record the listing lacks costs nothing more; the listing is shared with
// stage lookups.
func TestImportMetadataNotFound(t *testing.T) {
	reg := registrytest.New(t)
	s, _ := newStorage(t, reg.Host+"/shop")
	pushStage(t, reg.Host+"/shop", digestA, 1000, "linux/amd64")
	reg.ResetRequests()
	_, err := s.Lookup(context.Background(), digestB)
	require.NoError(t, err)
	_, err = s.ImportMetadata(context.Background(), werfSourceID)
	assert.ErrorIs(t, err, registry.ErrImportMetadataNotFound)
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 1, apiCalls(reg), "besides the registry ping")
}

// werf's broken image: the manifest is there, its config blob is not.
func TestImportMetadataBroken(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	w, _ := newStorage(t, repo)
	require.NoError(t, w.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{}))
	reg.Inject(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/") {
			return false
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(http.StatusNotFound)
		_, _ = rw.Write([]byte(`{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}`))
		return true
	})

	s, warns := newStorage(t, repo)
	_, err := s.ImportMetadata(context.Background(), werfSourceID)
	assert.ErrorIs(t, err, registry.ErrImportMetadataBroken)
	assert.NotErrorIs(t, err, registry.ErrImportMetadataNotFound)

	// Computed anew, the checksum is not written over the broken record (as in werf).
	reg.ResetRequests()
	require.NoError(t, s.PutImportMetadata(context.Background(), registry.ImportMetadata{ImportSourceID: werfSourceID, Checksum: "other"}, registry.PutImportMetadataOptions{}))
	assert.Equal(t, 0, reg.Count(http.MethodPut, "/manifests/"))
	assert.Empty(t, warns.all())
}

// A record whose checksum is empty is read as such; werf then writes it anew
// with Force, which replaces it.
func TestImportMetadataForce(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	s, _ := newStorage(t, repo)
	empty := registry.ImportMetadata{ImportSourceID: werfSourceID, SourceStageID: werfSourceStage}
	require.NoError(t, s.PutImportMetadata(context.Background(), empty, registry.PutImportMetadataOptions{}))

	reg.ResetRequests()
	require.NoError(t, s.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{}))
	assert.Equal(t, 1, reg.Count("GET", "/tags/list"), "an unforced write lists afresh")
	assert.Equal(t, 0, reg.Count(http.MethodPut, "/manifests/"), "and keeps the record there")

	got, err := s.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, "", got.Checksum)

	reg.ResetRequests()
	require.NoError(t, s.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{Force: true}))
	assert.Equal(t, 0, reg.Count("GET", "/tags/list"))
	assert.Equal(t, 1, reg.Count(http.MethodPut, "/manifests/import-metadata-"+werfSourceID))
	got, err = s.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, werfRecord, *got)
}

// An index under the tag reads as empty labels, as werf's GetRepoImage gives.
func TestImportMetadataIndex(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	ref, err := name.NewTag(repo + ":" + registry.ImportMetadataTag(werfSourceID))
	require.NoError(t, err)
	require.NoError(t, writeIndex(t, ref))
	s, _ := newStorage(t, repo)
	got, err := s.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, registry.ImportMetadata{}, *got)
}

// A record only a secondary repo has is used and copied into --repo, labelled
// with this project.
func TestImportMetadataFromSecondary(t *testing.T) {
	reg := registrytest.New(t)
	repo, sec := reg.Host+"/shop", reg.Host+"/old"
	other, err := registry.New("old-project", sec)
	require.NoError(t, err)
	require.NoError(t, other.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{}))

	s, warns := newStorage(t, repo, registry.WithSecondaryRepos(sec))
	got, err := s.ImportMetadata(context.Background(), werfSourceID)
	require.NoError(t, err)
	assert.Equal(t, werfRecord, *got)
	assert.Empty(t, warns.all())
	labels := labelsOf(t, repo+":"+registry.ImportMetadataTag(werfSourceID))
	assert.Equal(t, project, labels["werf"])
	assert.Equal(t, werfChecksum, labels["checksum"])
}

func TestPutImportMetadataForbidden(t *testing.T) {
	reg := registrytest.New(t)
	reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/manifests/") {
			return false
		}
		http.Error(w, `{"errors":[{"code":"DENIED","message":"read only"}]}`, http.StatusForbidden)
		return true
	})
	s, warns := newStorage(t, reg.Host+"/shop")
	require.NoError(t, s.PutImportMetadata(context.Background(), werfRecord, registry.PutImportMetadataOptions{}))
	require.Len(t, warns.all(), 1)
	assert.Contains(t, warns.all()[0], "import-metadata-"+werfSourceID)
	assert.Contains(t, warns.all()[0], "403")
}

// The checksum of an import reads the source stage as the registry stores it:
// each layer once when the import takes what is under add as written.
func TestStageImageChecksum(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	local := pushStage(t, repo, digestA, 1000, "linux/amd64")
	want, err := importsum.Checksum(context.Background(), local, importsum.Spec{Add: "/"})
	require.NoError(t, err)
	require.NotEqual(t, importsum.NothingChecksum, want)

	s, _ := newStorage(t, repo)
	desc, err := s.Lookup(context.Background(), digestA)
	require.NoError(t, err)
	reg.ResetRequests()
	img, err := desc.Image(context.Background())
	require.NoError(t, err)
	got, err := importsum.Checksum(context.Background(), img, importsum.Spec{Add: "/"})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, 1, reg.Count("GET", "/blobs/"), "its one layer; not even the config")
}
