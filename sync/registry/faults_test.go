package registry_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

func onTagList(status int, header map[string]string) registrytest.Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return false
		}
		for k, v := range header {
			w.Header().Set(k, v)
		}
		http.Error(w, `{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}`, status)
		return true
	}
}

func dropConnection(w http.ResponseWriter, r *http.Request) bool {
	if !strings.Contains(r.URL.Path, "/manifests/") {
		return false
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
	return true
}

// Idempotent calls are retried on 5xx, 429 and dropped connections.
func TestRetries(t *testing.T) {
	tests := []struct {
		name  string
		fault registrytest.Fault
		lists int           // tag list requests seen
		wait  time.Duration // at least, before the lookup ends
	}{
		{"500 twice", registrytest.Once(2, onTagList(http.StatusInternalServerError, nil)), 3, 0},
		{"502 once", registrytest.Once(1, onTagList(http.StatusBadGateway, nil)), 2, 0},
		// The retry backoff is 10ms: a second's wait is the registry's Retry-After.
		{"429 with Retry-After", registrytest.Once(1, onTagList(http.StatusTooManyRequests, map[string]string{"Retry-After": "1"})), 2, time.Second},
		{"a dropped connection", registrytest.Once(1, dropConnection), 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			pushStage(t, repo, digestA, 1000, "linux/amd64")
			reg.ResetRequests()
			reg.Inject(tt.fault)

			s, _ := newStorage(t, repo)
			start := time.Now()
			desc, err := s.Lookup(context.Background(), digestA)
			require.NoError(t, err)
			require.NotNil(t, desc)
			assert.Equal(t, tt.lists, reg.Count("GET", "/tags/list"))
			assert.GreaterOrEqual(t, time.Since(start), tt.wait)
		})
	}
}

func TestErrorsNameRegistryRepoAndOperation(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	reg.Inject(onTagList(http.StatusInternalServerError, nil))
	s, _ := newStorage(t, repo)
	_, err := s.Lookup(context.Background(), digestA)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--repo "+repo+": list tags: ")
	assert.Contains(t, err.Error(), "500")
	assert.Greater(t, reg.Count("GET", "/tags/list"), 1, "retried before giving up")
}

func TestSlowRegistryTimesOut(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return false
		}
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		return true
	})
	s, _ := newStorage(t, repo, registry.WithRequestTimeout(50*time.Millisecond))
	_, err := s.Lookup(context.Background(), digestA)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--repo "+repo+": list tags: ")
	assert.Contains(t, err.Error(), "timeout awaiting response headers")
}

func TestCancellationStopsEverything(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	started := make(chan struct{}, 1)
	reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
		return true
	})
	s, _ := newStorage(t, repo)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := s.Lookup(ctx, digestA)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCredentials(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth("ci", "s3cret"))
	repo := reg.Host + "/shop"

	anonymous, _ := newStorage(t, repo, registry.WithKeychain(emptyKeychain{}))
	_, err := anonymous.Lookup(context.Background(), digestA)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--repo "+repo+": list tags: ")
	assert.Contains(t, err.Error(), "UNAUTHORIZED")

	explicit, _ := newStorage(t, repo, registry.WithKeychain(emptyKeychain{}), registry.WithCredentials(reg.Host, "ci", "s3cret"))
	_, err = explicit.Lookup(context.Background(), digestA)
	assert.NoError(t, err, "explicit credentials for the host")

	// The Docker config keychain ($DOCKER_CONFIG) is the default.
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("ci:s3cret"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.Host, auth)), 0o600))
	t.Setenv("DOCKER_CONFIG", dir)
	fromConfig, _ := newStorage(t, repo)
	_, err = fromConfig.Lookup(context.Background(), digestA)
	assert.NoError(t, err, "credentials from the Docker config")
}

func TestSkipTLSVerifyOnlyWhenAsked(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithTLS())
	repo := reg.Host + "/shop"

	strict, _ := newStorage(t, repo)
	_, err := strict.Lookup(context.Background(), digestA)
	require.Error(t, err, "a self-signed certificate is refused")

	other, _ := newStorage(t, repo, registry.WithSkipTLSVerify("registry.example.com"))
	_, err = other.Lookup(context.Background(), digestA)
	require.Error(t, err, "skipping verification for another host changes nothing here")

	lax, _ := newStorage(t, repo, registry.WithSkipTLSVerify(reg.Host))
	_, err = lax.Lookup(context.Background(), digestA)
	assert.NoError(t, err)
}
