package locks

import (
	"context"
	"encoding/json"
	"errors"
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
type Server struct {
	log *slog.Logger

	mu      sync.Mutex
	clients map[string]http.Handler
}

// NewServer makes a server that logs each request (the client ID left out).
func NewServer(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{log: log, clients: map[string]http.Handler{}}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	s.route(rec, r)
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
	http.StripPrefix("/"+id+"/locker", s.client(id)).ServeHTTP(w, r)
}

// client is the lock API of one client ID, made at its first request.
func (s *Server) client(id string) http.Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.clients[id]
	if !ok {
		backend := distributed_locker.NewOptimisticLockingStorageBasedBackend(optimistic_locking_store.NewInMemoryStore())
		h = distributed_locker.NewHttpBackendHandler(&serialized{backend: backend})
		s.clients[id] = h
	}
	return h
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
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
