// Package registrytest serves a real registry (go-containerregistry's in-process
// implementation of the distribution protocol) on 127.0.0.1 for tests, behind a
// front that counts requests, paginates tag lists as production registries do,
// can demand credentials (basic auth, or bearer tokens from its own token
// endpoint), and can inject faults.
package registrytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a running test registry.
type Registry struct {
	Host string // 127.0.0.1:port

	server   *httptest.Server
	backend  http.Handler
	pageSize int
	user     string
	password string
	bearer   bool
	tls      bool

	mu       sync.Mutex
	requests []Request
	faults   []Fault
}

// Request is one request the registry received.
type Request struct {
	Method string
	Path   string
	Query  string
}

// Fault answers a request instead of the registry when it returns true.
type Fault func(w http.ResponseWriter, r *http.Request) bool

// Option configures a Registry.
type Option func(*Registry)

// WithPageSize makes tag lists come in pages of at most n, linked with Link
// headers, whatever page size the client asks for (production registries cap it).
func WithPageSize(n int) Option { return func(r *Registry) { r.pageSize = n } }

// WithBasicAuth demands these credentials on every request.
func WithBasicAuth(user, password string) Option {
	return func(r *Registry) { r.user, r.password = user, password }
}

// WithBearerAuth demands a bearer token on every request, as Docker Hub, GitLab
// and Harbor do: the registry answers 401 with a Bearer challenge whose realm is
// the token endpoint TokenPath, which issues a token after checking these
// credentials with basic auth.
func WithBearerAuth(user, password string) Option {
	return func(r *Registry) { r.user, r.password, r.bearer = user, password, true }
}

// TokenPath is the token endpoint of WithBearerAuth.
const TokenPath = "/token"

// issuedToken is the only token the token endpoint hands out.
const issuedToken = "registrytest-token"

// WithTLS serves HTTPS with a self-signed certificate.
func WithTLS() Option { return func(r *Registry) { r.tls = true } }

// New starts a registry; it stops with the test.
func New(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	r := &Registry{backend: registry.New(registry.Logger(nopLogger()))}
	for _, opt := range opts {
		opt(r)
	}
	if r.tls {
		r.server = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	} else {
		r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	}
	t.Cleanup(r.server.Close)
	u, err := url.Parse(r.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = u.Host
	return r
}

// Inject adds a fault; faults are tried in order before the registry.
func (r *Registry) Inject(f Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, f)
}

// ClearFaults removes every fault.
func (r *Registry) ClearFaults() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = nil
}

// Requests returns the requests received so far.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// ResetRequests forgets the requests received so far.
func (r *Registry) ResetRequests() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
}

// Count counts received requests whose method matches (any when "") and whose path
// contains part.
func (r *Registry) Count(method, part string) int {
	n := 0
	for _, req := range r.Requests() {
		if (method == "" || req.Method == method) && strings.Contains(req.Path, part) {
			n++
		}
	}
	return n
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.requests = append(r.requests, Request{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery})
	faults := append([]Fault(nil), r.faults...)
	r.mu.Unlock()

	for _, f := range faults {
		if f(w, req) {
			return
		}
	}
	if r.bearer {
		if !r.bearerAuth(w, req) {
			return
		}
	} else if r.user != "" {
		user, password, ok := req.BasicAuth()
		if !ok || user != r.user || password != r.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
	}
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/tags/list") && (r.pageSize > 0 || req.URL.Query().Has("n")) {
		r.paginate(w, req)
		return
	}
	r.backend.ServeHTTP(w, req)
}

// bearerAuth serves the token endpoint and lets through requests that carry its
// token; it reports whether the request is for the registry.
func (r *Registry) bearerAuth(w http.ResponseWriter, req *http.Request) bool {
	if req.URL.Path == TokenPath {
		user, password, ok := req.BasicAuth()
		if !ok || user != r.user || password != r.password {
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}`, http.StatusUnauthorized)
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"token": issuedToken})
		return false
	}
	if req.Header.Get("Authorization") != "Bearer "+issuedToken {
		scheme := "http"
		if r.tls {
			scheme = "https"
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s://%s%s",service="registrytest"`, scheme, req.Host, TokenPath))
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
		return false
	}
	return true
}

// paginate serves a tag list page by page with Link headers, as distribution
// does (go-containerregistry's registry honours n but links no next page).
func (r *Registry) paginate(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	n := r.pageSize
	if s := q.Get("n"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && (n == 0 || v < n) {
			n = v
		}
	}
	if n <= 0 {
		r.backend.ServeHTTP(w, req)
		return
	}
	q.Set("n", strconv.Itoa(n+1)) // one more, to know whether a next page exists
	inner := req.Clone(req.Context())
	inner.URL.RawQuery = q.Encode()
	rec := httptest.NewRecorder()
	r.backend.ServeHTTP(rec, inner)
	if rec.Code != http.StatusOK {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	var list struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if len(list.Tags) > n {
		list.Tags = list.Tags[:n]
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {list.Tags[n-1]}}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, req.URL.Path, next.Encode()))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

// Once wraps a fault so that it strikes only on its first n matching requests.
func Once(n int, f Fault) Fault {
	var left atomic.Int64
	left.Store(int64(n))
	return func(w http.ResponseWriter, r *http.Request) bool {
		if left.Load() <= 0 {
			return false
		}
		if !f(w, r) {
			return false
		}
		left.Add(-1)
		return true
	}
}

// RequireBasicAuth is a fault that makes the registry demand these credentials
// from the moment it is injected: a test fills the registry first, then locks it.
func RequireBasicAuth(user, password string) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if u, p, ok := r.BasicAuth(); ok && u == user && p == password {
			return false
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
		return true
	}
}

// Drip is a fault that answers the requests with this method whose path
// contains part: status and headers at once, then the body one byte every
// interval until the client goes away, as a registry (or a proxy before it)
// that stalls in mid-answer does.
func Drip(method, part string, status int, interval time.Duration) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != method || !strings.Contains(r.URL.Path, part) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		flusher, _ := w.(http.Flusher)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if _, err := w.Write([]byte("{")); err != nil {
				return true
			}
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-r.Context().Done():
				return true
			case <-tick.C:
			}
		}
	}
}
