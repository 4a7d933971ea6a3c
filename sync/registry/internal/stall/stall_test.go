package stall

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const timeout = 50 * time.Millisecond

// twoBytesThenSilence sends "ab" and then nothing until the client goes away.
func twoBytesThenSilence(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ab"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, ctx context.Context, url string, d time.Duration) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v2/app/tags/list", nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: &Transport{Inner: http.DefaultTransport, Timeout: d}}).Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// Only a Read that waits counts: time between Reads is the caller's. A Read
// that waits too long fails, and so does every Read after it.
func TestStallFailsOnlyAWaitingRead(t *testing.T) {
	srv := twoBytesThenSilence(t)
	resp := get(t, context.Background(), srv.URL, timeout)
	p := make([]byte, 1)
	n, err := resp.Body.Read(p)
	require.NoError(t, err)
	require.Equal(t, "a", string(p[:n]))
	time.Sleep(4 * timeout) // a slow caller, not a slow registry
	n, err = io.ReadFull(resp.Body, p)
	require.NoError(t, err, "the byte already received is read")
	require.Equal(t, "b", string(p[:n]))

	_, err = resp.Body.Read(p)
	require.ErrorIs(t, err, ErrStalled)
	var stall *Error
	require.ErrorAs(t, err, &stall)
	assert.Equal(t, "registry "+resp.Request.URL.Host+" stopped sending: no data for 50ms while reading the answer to GET /v2/app/tags/list; check the registry (and any proxy before it), then try again", err.Error())
	_, again := resp.Body.Read(p)
	assert.Same(t, err, again)
}

// The caller's own cancellation is reported as such, not as a stall.
func TestCancellationIsNoStall(t *testing.T) {
	srv := twoBytesThenSilence(t)
	ctx, cancel := context.WithCancel(context.Background())
	resp := get(t, ctx, srv.URL, time.Hour)
	_, err := io.ReadFull(resp.Body, make([]byte, 2))
	require.NoError(t, err)
	cancel()
	_, err = resp.Body.Read(make([]byte, 1))
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrStalled), err)
	assert.ErrorIs(t, err, context.Canceled)
}

// Without a timeout the transport is its inner one.
func TestNoTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	resp := get(t, context.Background(), srv.URL, 0)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "ok", string(data))
}
