package localstore_test

import (
	"io/fs"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
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

// Builders writing one tag at once each write their own temporary file: every
// write succeeds, one of them is kept, and no temporary file is left.
func TestConcurrentWritesOfOneTag(t *testing.T) {
	dir := t.TempDir()
	s, err := localstore.Open(dir)
	require.NoError(t, err)
	defer s.Close() // a second Close is harmless
	ref, _ := name.NewTag(s.Addr() + "/shop:stage-1")
	imgs := make([]v1.Image, 8)
	for i := range imgs {
		imgs[i], err = random.Image(16, 1)
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for _, img := range imgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, remote.Write(ref, img))
		}()
	}
	wg.Wait()

	var left []string
	require.NoError(t, filepath.WalkDir(filepath.Join(dir, "manifests"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, d.Name())
		}
		return err
	}))
	assert.Equal(t, []string{"stage-1"}, left)
	require.NoError(t, s.Close())

	again, err := localstore.Open(dir)
	require.NoError(t, err)
	defer again.Close()
	got, err := remote.Image(ref)
	require.NoError(t, err)
	gotDigest, _ := got.Digest()
	var digests []v1.Hash
	for _, img := range imgs {
		d, _ := img.Digest()
		digests = append(digests, d)
	}
	assert.Contains(t, digests, gotDigest)
}

// A project's repository holds stages for any project name werf takes, from
// one run to the next; names of two characters or more keep the address
// earlier runs used.
func TestRepoOfEveryProjectName(t *testing.T) {
	dir := t.TempDir()
	s, err := localstore.Open(dir)
	require.NoError(t, err)
	defer s.Close()
	tests := []struct {
		project string
		repo    string
	}{
		{project: "a", repo: s.Addr() + "/a/stages"},
		{project: "ab", repo: s.Addr() + "/ab"},
		{project: "shop", repo: s.Addr() + "/shop"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.repo, s.Repo(tt.project))
		ref, err := name.NewTag(s.Repo(tt.project) + ":stage-1")
		require.NoError(t, err, tt.project)
		img, err := random.Image(16, 1)
		require.NoError(t, err)
		require.NoError(t, remote.Write(ref, img, remote.WithTransport(noKeepAlives())), tt.project)
	}
	require.NoError(t, s.Close())

	again, err := localstore.Open(dir)
	require.NoError(t, err)
	defer again.Close()
	for _, tt := range tests {
		repo, err := name.NewRepository(again.Repo(tt.project))
		require.NoError(t, err)
		tags, err := remote.List(repo, remote.WithTransport(noKeepAlives()))
		require.NoError(t, err, tt.project)
		assert.Equal(t, []string{"stage-1"}, tags, tt.project)
	}
}

// noKeepAlives leaves the store no connection it must wait for at Close
// (http.Server.Shutdown waits up to five seconds for one that never sent a
// request, as a transport's spare dial is).
func noKeepAlives() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	return t
}
