package registry_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// linkingTagList answers tag lists with one tag a page and the Link header
// next(page) gives, page counting from 1. A client that keeps following links
// is refused after 50 pages, so that an unbounded client fails rather than hangs.
func linkingTagList(next func(page int) string) registrytest.Fault {
	var pages atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return false
		}
		page := int(pages.Add(1))
		if page > 50 {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"test: the client kept following links"}]}`, http.StatusBadRequest)
			return true
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next(page)))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "shop", "tags": []string{fmt.Sprintf("t%d", page)}})
		return true
	}
}

// A registry whose Link headers never end (a loop, or a bug that invents pages)
// fails the listing with an error naming the repository, after a bounded number
// of requests.
func TestTagListingThatNeverEnds(t *testing.T) {
	tests := []struct {
		name     string
		next     func(page int) string
		requests int
		err      string
	}{
		{
			name:     "links back to the first page",
			next:     func(int) string { return "/v2/shop/tags/list?n=1000" },
			requests: 1,
			err:      "list tags: tag listing loops at page 2: the registry links back to a page already listed",
		},
		{
			name:     "links to itself",
			next:     func(int) string { return "/v2/shop/tags/list?last=t1&n=1000" },
			requests: 2,
			err:      "list tags: tag listing loops at page 3: the registry links back to a page already listed",
		},
		{
			name:     "new pages without end",
			next:     func(page int) string { return fmt.Sprintf("/v2/shop/tags/list?last=t%d&n=1000", page) },
			requests: 5,
			err:      "list tags: tag listing goes on past 5 pages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			reg.Inject(linkingTagList(tt.next))
			s, _ := newStorage(t, repo, registry.WithMaxTagPages(5))
			_, err := s.Lookup(context.Background(), digestA)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--repo "+repo+": "+tt.err)
			assert.Equal(t, tt.requests, reg.Count("GET", "/tags/list"))
		})
	}
}

// The bound is on pages beyond it: a listing of exactly as many pages is whole.
func TestTagListingUpToTheBound(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithPageSize(1))
	repo := reg.Host + "/shop"
	pushStage(t, repo, digestA, 1000, "linux/amd64")
	pushStage(t, repo, digestA, 2000, "linux/amd64")
	pushStage(t, repo, digestB, 3000, "linux/amd64")
	reg.ResetRequests()

	s, _ := newStorage(t, repo, registry.WithMaxTagPages(3))
	tags, err := s.Tags(context.Background(), true)
	require.NoError(t, err)
	assert.Len(t, tags, 3)
	assert.Equal(t, 3, reg.Count("GET", "/tags/list"))
}
