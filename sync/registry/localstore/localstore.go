// Package localstore is the stages storage of a build without --repo: a registry
// served in-process on 127.0.0.1, keeping its blobs and manifests on disk, so that
// a second build finds what the first one stored. It listens on the same port
// every time, because image names (and through imports, digests) contain its
// address.
//
// The Dagger engine must reach the host's 127.0.0.1 to push and pull there (an
// engine on the host does); with an engine elsewhere, use --repo.
package localstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Store is a running local stages store.
type Store struct {
	dir    string
	addr   string
	server *http.Server
	done   chan error

	closeOnce sync.Once
	closeErr  error
}

// Open starts the store kept in dir.
func Open(dir string) (*Store, error) {
	if err := errors.Join(os.MkdirAll(filepath.Join(dir, "manifests"), 0o755), os.MkdirAll(filepath.Join(dir, "blobs"), 0o755)); err != nil {
		return nil, fmt.Errorf("local stages store %s: %w", dir, err)
	}
	ln, err := listen(dir)
	if err != nil {
		return nil, err
	}
	backend := registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithBlobHandler(registry.NewDiskBlobHandler(filepath.Join(dir, "blobs"))))
	s := &Store{dir: dir, addr: ln.Addr().String(), done: make(chan error, 1)}
	if err := s.replay(backend); err != nil {
		ln.Close()
		return nil, err
	}
	s.server = &http.Server{Handler: s.persisting(backend), ReadHeaderTimeout: 30 * time.Second}
	go func() { s.done <- s.server.Serve(ln) }()
	return s, nil
}

// listen binds the port the store used before, or a new one it then remembers.
func listen(dir string) (net.Listener, error) {
	portFile := filepath.Join(dir, "address")
	if data, err := os.ReadFile(portFile); err == nil {
		addr := strings.TrimSpace(string(data))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("local stages store %s: cannot listen on %s, where its images are named (another dagwerf build using it?): %w", dir, addr, err)
		}
		return ln, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("local stages store %s: %w", dir, err)
	}
	if err := os.WriteFile(portFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
		ln.Close()
		return nil, fmt.Errorf("local stages store %s: %w", dir, err)
	}
	return ln, nil
}

// Addr is the store's registry address, host:port.
func (s *Store) Addr() string { return s.addr }

// Repo is the repository of the store that keeps a project's stages: ADDR/PROJECT.
// go-containerregistry cannot name a repository of one character, which a
// werf project name may be, so such a project's stages are in
// ADDR/PROJECT/stages; longer names keep the address earlier runs stored under.
func (s *Store) Repo(project string) string {
	if len(project) < 2 {
		return s.addr + "/" + project + "/stages"
	}
	return s.addr + "/" + project
}

// Close stops the store; what it holds stays on disk. Closing again returns
// what the first Close did.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.server.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// manifestPath is where a manifest PUT to /v2/<repo>/manifests/<ref> is kept.
func (s *Store) manifestPath(repo, ref string) string {
	return filepath.Join(s.dir, "manifests", url.PathEscape(repo), url.PathEscape(ref))
}

// persisting keeps every manifest written to the registry on disk (blobs are kept
// by the registry's disk handler).
func (s *Store) persisting(backend http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, ref, ok := manifestRequest(r.URL.Path)
		if r.Method != http.MethodPut || !ok {
			backend.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		backend.ServeHTTP(rec, r)
		if rec.Code == http.StatusCreated {
			if err := s.save(repo, ref, r.Header.Get("Content-Type"), body); err != nil {
				http.Error(w, "local stages store: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// manifestRequest parses /v2/<repo>/manifests/<ref>.
func manifestRequest(p string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/v2/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+len("/manifests/"):], true
}

// tmpPrefix starts the names of files being written; no tag or digest starts
// with a dot.
const tmpPrefix = ".tmp-"

// save writes a manifest and its media type atomically: each writer writes its
// own temporary file, then renames it into place.
func (s *Store) save(repo, ref, mediaType string, body []byte) (err error) {
	p := s.manifestPath(repo, ref)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(append([]byte(mediaType+"\n"), body...))
	if err = errors.Join(err, f.Chmod(0o644), f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

// replay puts the kept manifests back into a fresh registry: images first, then
// the lists that refer to them.
func (s *Store) replay(backend http.Handler) error {
	type saved struct {
		repo, ref, mediaType string
		body                 []byte
	}
	var all []saved
	root := filepath.Join(s.dir, "manifests")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), tmpPrefix) {
			return err // a file a crashed writer left is not a manifest
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		repoDir, refFile := filepath.Split(rel)
		repo, err1 := url.PathUnescape(strings.TrimSuffix(repoDir, string(filepath.Separator)))
		ref, err2 := url.PathUnescape(refFile)
		data, err3 := os.ReadFile(p)
		if err := errors.Join(err1, err2, err3); err != nil {
			return err
		}
		mediaType, body, _ := bytes.Cut(data, []byte("\n"))
		all = append(all, saved{repo, ref, string(mediaType), body})
		return nil
	})
	if err != nil {
		return fmt.Errorf("local stages store %s: %w", s.dir, err)
	}
	var images, indexes []saved
	for _, m := range all {
		if types.MediaType(m.mediaType).IsIndex() {
			indexes = append(indexes, m)
		} else {
			images = append(images, m)
		}
	}
	for _, m := range append(images, indexes...) {
		req := httptest.NewRequest(http.MethodPut, "/v2/"+m.repo+"/manifests/"+m.ref, bytes.NewReader(m.body))
		req.Header.Set("Content-Type", m.mediaType)
		rec := httptest.NewRecorder()
		backend.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			return fmt.Errorf("local stages store %s: cannot restore %s:%s: %s", s.dir, m.repo, m.ref, rec.Body.String())
		}
	}
	return nil
}
