package locks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/werf/lockgate"
	"github.com/werf/lockgate/pkg/distributed_locker"
	"github.com/werf/lockgate/pkg/distributed_locker/optimistic_locking_store"
)

// Server is a synchronization server speaking werf's protocol, so that werf and
// dagwerf runners can share it: /health, /new-client-id, and lockgate's lock API
// under /<client ID>/locker/ with one lock table per client ID. Leases live in
// memory: a restarted server has none, and their holders find out when they renew.
//
// Request bodies are limited to MaxRequestBody, and the lock table of a client
// ID that has made no request and held no lock for the idle time is dropped, so
// that neither big requests nor a stream of client IDs grow the server for good.
type Server struct {
	log  *slog.Logger
	idle time.Duration
	now  func() time.Time // the clock of idle times; tests move it

	mu        sync.Mutex
	clients   map[string]*clientState
	lastSweep time.Time
}

// MaxRequestBody is the largest request body the server reads: werf's requests
// are a few hundred bytes.
const MaxRequestBody = 1 << 20

// DefaultClientIdleTimeout is how long a client ID's lock table outlives its
// last request when it holds no lock. Holders renew every few seconds, and a
// builder that comes back later only finds an empty table, as after a restart.
const DefaultClientIdleTimeout = time.Hour

// ServerOption configures a Server.
type ServerOption func(*Server)

// WithClientIdleTimeout sets how long an idle client ID's lock table is kept;
// a duration that is not positive leaves the default.
func WithClientIdleTimeout(d time.Duration) ServerOption {
	return func(s *Server) {
		if d > 0 {
			s.idle = d
		}
	}
}

// NewServer makes a server that logs each request (the client ID left out).
func NewServer(log *slog.Logger, opts ...ServerOption) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, idle: DefaultClientIdleTimeout, now: time.Now, clients: map[string]*clientState{}}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	s.sweepIfDue()
	// MaxBytesReader gets the server's own writer, which it tells to close the
	// connection after the answer instead of reading the rest of the body.
	if body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(rec, fmt.Sprintf("request body larger than %d bytes: werf's synchronization requests are much smaller", MaxRequestBody), http.StatusRequestEntityTooLarge)
		} else {
			http.Error(rec, "the request body could not be read", http.StatusBadRequest)
		}
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.route(rec, r)
	}
	s.log.Info("request", "method", r.Method, "path", redactPath(r.URL.Path), "status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/health":
		var req struct {
			Echo string `json:"echo"`
		}
		if r.Method == http.MethodPost {
			_ = json.NewDecoder(r.Body).Decode(&req)
		}
		writeJSON(w, map[string]string{"err": "", "echo": req.Echo, "status": "OK"})
		return
	case "/new-client-id":
		writeJSON(w, map[string]string{"err": "", "clientID": uuid.NewString()})
		return
	case "/":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("dagwerf synchronization server: werf's protocol (/health, /new-client-id, /<client ID>/locker/)\n"))
		return
	}
	id, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if id == "" || !strings.HasPrefix("/"+rest, "/locker/") {
		http.NotFound(w, r)
		return
	}
	c := s.enter(id)
	defer s.leave(c)
	http.StripPrefix("/"+id+"/locker", c.handler).ServeHTTP(w, r)
}

// clientState is the lock table of one client ID.
type clientState struct {
	handler  http.Handler
	backend  *serialized
	store    *optimistic_locking_store.InMemoryStore
	lastSeen time.Time
	active   int // requests under way
}

// enter finds the client's lock table, made at its first request (or its first
// since it was dropped), and counts a request under way.
func (s *Server) enter(id string) *clientState {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		store := optimistic_locking_store.NewInMemoryStore()
		backend := &serialized{backend: distributed_locker.NewOptimisticLockingStorageBasedBackend(store)}
		c = &clientState{handler: distributed_locker.NewHttpBackendHandler(backend), backend: backend, store: store}
		s.clients[id] = c
	}
	c.active++
	c.lastSeen = s.now()
	return c
}

func (s *Server) leave(c *clientState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.active--
	c.lastSeen = s.now()
}

// sweepIfDue drops idle clients' lock tables, looking at most every quarter of
// the idle time: on requests, so a server nobody calls keeps what it has, which
// then does not grow either.
func (s *Server) sweepIfDue() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.lastSweep) < s.idle/4 {
		return
	}
	s.lastSweep = now
	dropped := 0
	for id, c := range s.clients {
		// With no request under way nobody holds c.backend's lock, and none can
		// start while s.mu is held.
		if c.active == 0 && now.Sub(c.lastSeen) >= s.idle && !c.holdsLease(now) {
			delete(s.clients, id)
			dropped++
		}
	}
	if dropped > 0 {
		s.log.Info("dropped the lock tables of idle clients", "clients", dropped, "remaining", len(s.clients))
	}
}

// holdsLease reports whether a lease in the table is still valid at now, as
// lockgate decides it; a record that cannot be read counts as held.
func (c *clientState) holdsLease(now time.Time) bool {
	c.backend.mu.Lock()
	defer c.backend.mu.Unlock()
	c.store.Mux.Lock()
	defer c.store.Mux.Unlock()
	for _, v := range c.store.Values {
		if v == nil || v.Data == "" {
			continue
		}
		var lease distributed_locker.LockLeaseRecord
		if err := json.Unmarshal([]byte(v.Data), &lease); err != nil {
			return true
		}
		if !now.After(time.Unix(lease.ExpireAtTimestamp, 0)) {
			return true
		}
	}
	return false
}

// serialized runs one call at a time: lockgate's in-memory store shares its
// records with callers, so concurrent calls on one name race.
type serialized struct {
	mu      sync.Mutex
	backend distributed_locker.DistributedLockerBackend
}

func (b *serialized) Acquire(name string, opts distributed_locker.AcquireOptions) (lockgate.LockHandle, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backend.Acquire(name, opts)
}

func (b *serialized) RenewLease(h lockgate.LockHandle) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backend.RenewLease(h)
}

func (b *serialized) Release(h lockgate.LockHandle) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backend.Release(h)
}

// redactPath keeps client IDs (which give anyone their locks) out of logs.
func redactPath(p string) string {
	switch p {
	case "/", "/health", "/new-client-id":
		return p
	}
	trimmed := strings.TrimPrefix(p, "/")
	if _, rest, ok := strings.Cut(trimmed, "/"); ok {
		return "/<client-id>/" + rest
	}
	return "/<client-id>"
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Serve runs h on addr until ctx ends, then stops accepting and lets requests
// under way finish (at most shutdownGrace).
func Serve(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// A lock request is small: a client that drips one holds no goroutine for long.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	if ready != nil {
		ready(ln.Addr())
	}
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errs; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const shutdownGrace = 10 * time.Second
