package locks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/locks"
)

const clientID = "0b5c2a0e-8f7d-4c4e-9a57-4bd3f52b1c11"

func httpLocker(t *testing.T, url string) *locks.Locker {
	t.Helper()
	addr, err := locks.ParseAddress(url)
	require.NoError(t, err)
	l, err := locks.New(addr, locks.WithClientID(func(context.Context) (string, error) { return clientID, nil }))
	require.NoError(t, err)
	return l
}

// Several clients of one server take the lock one at a time.
func TestHTTPLocksAcrossClients(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(locks.NewServer(nil))
	defer srv.Close()

	var holders, maxHolders atomic.Int32
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := httpLocker(t, srv.URL)
			_, release, err := l.LockStage(context.Background(), "shop", digest)
			if !assert.NoError(t, err) {
				return
			}
			if n := holders.Add(1); n > maxHolders.Load() {
				maxHolders.Store(n)
			}
			time.Sleep(100 * time.Millisecond)
			holders.Add(-1)
			release()
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), maxHolders.Load())
}

// A client killed while holding the lock stops renewing it; the server gives it to
// the next client once the lease runs out (about ten seconds).
func TestHTTPLeaseExpiresAfterTheHolderIsKilled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(locks.NewServer(nil))
	defer srv.Close()
	holder := startChild(t, map[string]string{"CHILD_ADDR": srv.URL, "CHILD_CLIENT_ID": clientID, "CHILD_LOG": filepath.Join(t.TempDir(), "log"), "CHILD_HOLD": "1h"})
	holder.waitAcquired(t)
	require.NoError(t, holder.cmd.Process.Kill())
	_ = holder.cmd.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, release, err := httpLocker(t, srv.URL).LockStage(ctx, "shop", digest)
	require.NoError(t, err)
	release()
	t.Logf("acquired %s after the holder was killed", time.Since(start).Round(100*time.Millisecond))
}

// The server restarts while one client holds the lock and another waits: the
// restarted server has no leases, the waiter gets the lock, and the holder learns
// that it lost it when it renews — its context is cancelled with a clear cause.
func TestHTTPServerRestartWhileAClientWaits(t *testing.T) {
	t.Parallel()
	first, stopFirst := serve(t, "127.0.0.1:0")
	url := "http://" + first

	holder := httpLocker(t, url)
	held, releaseHolder, err := holder.LockStage(context.Background(), "shop", digest)
	require.NoError(t, err)
	defer releaseHolder()

	waiterDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()
		_, release, err := httpLocker(t, url).LockStage(ctx, "shop", digest)
		if err == nil {
			release()
		}
		waiterDone <- err
	}()
	time.Sleep(500 * time.Millisecond) // the waiter is waiting
	stopFirst()
	_, stopSecond := serve(t, first) // same address, no leases
	defer stopSecond()

	select {
	case err := <-waiterDone:
		require.NoError(t, err, "the waiter gets the lock from the restarted server")
	case <-time.After(45 * time.Second):
		t.Fatal("the waiter never got the lock")
	}
	select {
	case <-held.Done():
		cause := context.Cause(held)
		assert.True(t, locks.IsLostLease(cause), "%v", cause)
		assert.Contains(t, cause.Error(), `the lock "shop.`+digest+`" was lost (the backend gave it to another holder: no existing lock lease found)`)
	case <-time.After(15 * time.Second):
		t.Fatal("the holder never learnt that it lost the lock")
	}
}

// serve runs a synchronization server on addr until stop is called.
func serve(t *testing.T, addr string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- locks.Serve(ctx, addr, locks.NewServer(nil), func(a net.Addr) { ready <- a }) }()
	var bound net.Addr
	select {
	case bound = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			assert.NoError(t, <-done, "a graceful shutdown")
		})
	}
	t.Cleanup(stop)
	return bound.String(), stop
}

func TestServerEndpoints(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(locks.NewServer(slog.New(slog.NewTextHandler(&logs, nil))))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/health", "application/json", bytes.NewReader([]byte(`{"echo":"ping"}`)))
	require.NoError(t, err)
	var health map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	resp.Body.Close()
	assert.Equal(t, map[string]string{"err": "", "echo": "ping", "status": "OK"}, health)

	resp, err = http.Get(srv.URL + "/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = http.Post(srv.URL+"/new-client-id", "application/json", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	var id map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&id))
	resp.Body.Close()
	assert.Len(t, id["clientID"], 36)

	// werf's wire protocol, byte for byte.
	resp, err = http.Post(srv.URL+"/"+clientID+"/locker/acquire", "", bytes.NewReader([]byte(`{"lockName":"shop.x","opts":{"shared":false}}`)))
	require.NoError(t, err)
	var acquired struct {
		LockHandle struct {
			UUID     string `json:"uuid"`
			LockName string `json:"lockName"`
		} `json:"lockHandle"`
		Err string `json:"err"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&acquired))
	resp.Body.Close()
	assert.Equal(t, "", acquired.Err)
	assert.Equal(t, "shop.x", acquired.LockHandle.LockName)
	resp, err = http.Post(srv.URL+"/"+clientID+"/locker/acquire", "", bytes.NewReader([]byte(`{"lockName":"shop.x","opts":{"shared":false}}`)))
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&acquired))
	resp.Body.Close()
	assert.Equal(t, "should wait", acquired.Err)

	resp, err = http.Post(srv.URL+"/another-client/locker/acquire", "", bytes.NewReader([]byte(`{"lockName":"shop.x","opts":{"shared":false}}`)))
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&acquired))
	resp.Body.Close()
	assert.Equal(t, "", acquired.Err, "each client ID has its own locks")

	resp, err = http.Get(srv.URL + "/" + clientID + "/other")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	assert.Contains(t, logs.String(), "path=/<client-id>/locker/acquire")
	assert.NotContains(t, logs.String(), clientID, "client IDs stay out of logs")
}

// A request body over the limit is refused with 413, whatever the path, and no
// answer repeats what was sent.
func TestServerLimitsRequestBodies(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(locks.NewServer(nil))
	defer srv.Close()

	const marker = "dagwerf-body-marker-"
	huge := func(prefix, suffix string) string {
		return prefix + strings.Repeat(marker, (locks.MaxRequestBody+4096)/len(marker)) + suffix
	}
	tests := []struct {
		name   string
		path   string
		body   string
		status int
	}{
		{name: "health echo over the limit", path: "/health", body: huge(`{"echo":"`, `"}`), status: http.StatusRequestEntityTooLarge},
		{name: "acquire over the limit", path: "/" + clientID + "/locker/acquire", body: huge(`{"lockName":"`, `","opts":{"shared":false}}`), status: http.StatusRequestEntityTooLarge},
		{name: "new client ID over the limit", path: "/new-client-id", body: huge(`{"x":"`, `"}`), status: http.StatusRequestEntityTooLarge},
		{name: "malformed lock request", path: "/" + clientID + "/locker/release", body: `{"lockHandle": "` + marker + ``, status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+tt.path, "application/json", strings.NewReader(tt.body))
			require.NoError(t, err)
			defer resp.Body.Close()
			answer, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.StatusCode, "%.200s", answer)
			assert.NotContains(t, string(answer), marker, "the body is not echoed")
			assert.Less(t, len(answer), 1024)
		})
	}

	// A request within the limit still works.
	resp, err := http.Post(srv.URL+"/"+clientID+"/locker/acquire", "", strings.NewReader(`{"lockName":"shop.`+strings.Repeat("y", 1000)+`","opts":{"shared":false}}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
