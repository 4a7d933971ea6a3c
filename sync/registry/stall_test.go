package registry_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A registry that sends its headers and then drips its body fails the call
// once no byte came for the stall timeout, with an error naming the repository
// and the operation; the call is not retried.
func TestDrippingBodyFails(t *testing.T) {
	// The drip's bytes come far apart; the stall timeout is short.
	const interval = 10 * time.Second
	tests := []struct {
		name   string
		method string
		part   string
		status int
		call   func(ctx context.Context, s *registry.Storage) error
		op     string
	}{
		{
			name: "tag list", method: http.MethodGet, part: "/tags/list", status: http.StatusOK,
			call: func(ctx context.Context, s *registry.Storage) error { _, err := s.Lookup(ctx, digestA); return err },
			op:   "list tags",
		},
		{
			name: "manifest", method: http.MethodGet, part: "/manifests/", status: http.StatusOK,
			call: func(ctx context.Context, s *registry.Storage) error { _, err := s.Lookup(ctx, digestA); return err },
			op:   "read " + digestA + "-1000",
		},
		{
			name: "blob", method: http.MethodGet, part: "/blobs/", status: http.StatusOK,
			call: func(ctx context.Context, s *registry.Storage) error {
				d, err := s.Lookup(ctx, digestA)
				if err != nil {
					return err
				}
				_, err = d.Config(ctx)
				return err
			},
			op: "read the config of " + digestA + "-1000",
		},
		{
			name: "push answered with an error body", method: http.MethodPut, part: "/manifests/", status: http.StatusBadRequest,
			call: func(ctx context.Context, s *registry.Storage) error {
				return s.PushMarker(ctx, "marker", map[string]string{"a": "b"})
			},
			op: "write marker",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			pushStage(t, repo, digestA, 1000, "linux/amd64")
			reg.Inject(registrytest.Drip(tt.method, tt.part, tt.status, interval))
			reg.ResetRequests()

			s, _ := newStorage(t, repo, registry.WithStallTimeout(50*time.Millisecond))
			err := tt.call(context.Background(), s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--repo "+repo+": "+tt.op+": ")
			assert.Contains(t, err.Error(), "registry "+reg.Host+" stopped sending: no data for 50ms while reading the answer to "+tt.method+" ")
			assert.ErrorIs(t, err, registry.ErrStalled)
			assert.Equal(t, 1, reg.Count(tt.method, tt.part), "a stalled answer is not asked for again")
		})
	}
}
