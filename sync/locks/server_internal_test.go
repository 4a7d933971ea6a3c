package locks

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is the server's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockCall posts one lockgate request and returns the decoded answer.
func lockCall(t *testing.T, url, id, op string, req any) map[string]json.RawMessage {
	t.Helper()
	body, err := json.Marshal(req)
	require.NoError(t, err)
	resp, err := http.Post(url+"/"+id+"/locker/"+op, "", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out map[string]json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func errOf(t *testing.T, answer map[string]json.RawMessage) string {
	t.Helper()
	var s string
	require.NoError(t, json.Unmarshal(answer["err"], &s))
	return s
}

func (s *Server) hasClient(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.clients[id]
	return ok
}

// A client that has been idle (no request, no lock held) for the idle time is
// forgotten; one that holds a lock is kept; a forgotten client that comes back
// starts afresh and works.
func TestIdleClientStateExpires(t *testing.T) {
	const idle = 3 * time.Second // less than a lease's ten seconds, so that a held lease outlives it
	clock := &fakeClock{now: time.Now()}
	s := NewServer(nil, WithClientIdleTimeout(idle))
	s.now = clock.Now
	srv := httptest.NewServer(s)
	defer srv.Close()

	acquire := map[string]any{"lockName": "shop.x", "opts": map[string]bool{"shared": false}}
	got := lockCall(t, srv.URL, "idle-client", "acquire", acquire)
	require.Equal(t, "", errOf(t, got))
	require.Equal(t, "", errOf(t, lockCall(t, srv.URL, "idle-client", "release", map[string]json.RawMessage{"lockHandle": got["lockHandle"]})))
	require.Equal(t, "", errOf(t, lockCall(t, srv.URL, "holder", "acquire", acquire)))

	clock.Advance(idle / 2)
	resp, err := http.Get(srv.URL + "/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.True(t, s.hasClient("idle-client"), "not idle long enough yet")

	clock.Advance(idle)
	resp, err = http.Get(srv.URL + "/health") // any request lets the server sweep
	require.NoError(t, err)
	resp.Body.Close()
	assert.False(t, s.hasClient("idle-client"), "an idle client is forgotten")
	assert.True(t, s.hasClient("holder"), "a client whose lease is still valid is kept")
	assert.Equal(t, "should wait", errOf(t, lockCall(t, srv.URL, "holder", "acquire", acquire)), "the holder's lock survived")

	// The forgotten client comes back: a fresh table, and its locks work.
	got = lockCall(t, srv.URL, "idle-client", "acquire", acquire)
	assert.Equal(t, "", errOf(t, got))
	assert.Equal(t, "should wait", errOf(t, lockCall(t, srv.URL, "idle-client", "acquire", acquire)))
	assert.Equal(t, "", errOf(t, lockCall(t, srv.URL, "idle-client", "release", map[string]json.RawMessage{"lockHandle": got["lockHandle"]})))
}
