package runner_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A host remembered as insecure is spoken to over plain HTTP by builds without
// the flag; no other host is.
func TestStorageUsesRememberedInsecureHostsOnly(t *testing.T) {
	home := t.TempDir()
	require.NoError(t, dockerconfig.NewInsecureHosts(filepath.Join(home, dockerconfig.InsecureHostsFile)).Add("insecure.test:5000"))
	reg := registrytest.New(t)

	tests := []struct {
		name     string
		repo     string
		insecure bool
		ok       bool
	}{
		{name: "the remembered host", repo: "insecure.test:5000", ok: true},
		{name: "another port of it", repo: "insecure.test:5001"},
		{name: "another host", repo: "other.test:5000"},
		{name: "another host with the flag", repo: "other.test:5000", insecure: true, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := runner.Storage{Repo: tt.repo + "/shop", Insecure: tt.insecure, Home: home, DockerConfig: t.TempDir(), Synchronization: ":local"}
			tr := &plainHTTP{target: reg.Host}
			st, err := s.Open(&config.Config{Meta: config.Meta{Project: "shop"}}, io.Discard, registry.WithTransport(tr))
			require.NoError(t, err)
			defer st.Close()
			_, err = st.Tags(context.Background(), true)
			if tt.ok {
				require.NoError(t, err)
				assert.True(t, tr.saw("http://"+tt.repo))
			} else {
				require.ErrorContains(t, err, "server gave HTTP response to HTTPS client")
				assert.False(t, tr.saw("http://"+tt.repo), "never plain HTTP to a host nobody marked")
			}
		})
	}
}

// plainHTTP stands for plain-HTTP registries on any host: https fails as it does
// against such a registry, http reaches the test registry.
type plainHTTP struct {
	target string
	mu     sync.Mutex
	seen   []string
}

func (p *plainHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.seen = append(p.seen, req.URL.Scheme+"://"+req.URL.Host)
	p.mu.Unlock()
	if req.URL.Scheme == "https" {
		return nil, errors.New("http: server gave HTTP response to HTTPS client")
	}
	out := req.Clone(req.Context())
	out.URL.Host, out.Host = p.target, p.target
	return http.DefaultTransport.RoundTrip(out)
}

func (p *plainHTTP) saw(prefix string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.seen, prefix)
}

// Without --repo, the local store keeps the stages of any project name werf
// takes, one character long to fifty.
func TestLocalStoreTakesEveryProjectName(t *testing.T) {
	for _, project := range []string{"a", "7", "ab", "my-app", strings.Repeat("x", 50)} {
		t.Run(project, func(t *testing.T) {
			s := runner.Storage{Home: t.TempDir(), DockerConfig: t.TempDir()}
			st, err := s.Open(&config.Config{Meta: config.Meta{Project: project}}, io.Discard, registry.WithTransport(noKeepAlives()))
			require.NoError(t, err)
			defer st.Close()
			require.NoError(t, st.PushMarker(context.Background(), "marker", map[string]string{"project": project}))
			tags, err := st.Tags(context.Background(), true)
			require.NoError(t, err)
			assert.Equal(t, []string{"marker"}, tags)
			assert.True(t, strings.HasPrefix(st.Repo(), "127.0.0.1:"), st.Repo())
		})
	}
}

// noKeepAlives leaves the local store no connection it must wait for at Close
// (http.Server.Shutdown waits up to five seconds for one that never sent a
// request, as a transport's spare dial is).
func noKeepAlives() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	return t
}
