package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/test/registrytest"
)

// registryWrites reads back everything the requests wrote to the registry at
// host: every blob uploaded (and, for a gzip layer, its uncompressed bytes)
// and every manifest put, by tag or digest. The key says what and where.
func registryWrites(t *testing.T, host string, requests []registrytest.Request) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	get := func(path, accept string) []byte {
		req, err := http.NewRequest(http.MethodGet, "http://"+host+path, nil)
		require.NoError(t, err)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		data, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return data
	}
	const manifests = "application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json," +
		"application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"
	for _, r := range requests {
		if r.Method != http.MethodPut && r.Method != http.MethodPost {
			continue
		}
		repo, rest, ok := strings.Cut(strings.TrimPrefix(r.Path, "/v2/"), "/blobs/uploads")
		if ok {
			q, err := url.ParseQuery(r.Query)
			require.NoError(t, err)
			d := q.Get("digest")
			if d == "" {
				continue // an upload started or a mount: no bytes of its own
			}
			_ = rest
			key := fmt.Sprintf("blob %s in %s", d, repo)
			if _, seen := out[key]; seen {
				continue
			}
			data := get("/v2/"+repo+"/blobs/"+d, "")
			out[key] = data
			if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
				plain, err := io.ReadAll(zr)
				require.NoError(t, err, key)
				out[key+", uncompressed"] = plain
			}
			continue
		}
		if repo, ref, ok := strings.Cut(strings.TrimPrefix(r.Path, "/v2/"), "/manifests/"); ok && r.Method == http.MethodPut {
			out[fmt.Sprintf("manifest %s:%s", repo, ref)] = get("/v2/"+repo+"/manifests/"+ref, manifests)
		}
	}
	require.NotEmpty(t, out)
	return out
}
