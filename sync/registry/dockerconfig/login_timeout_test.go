package dockerconfig_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// silentListener accepts connections on 127.0.0.1 and never writes a byte.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// A registry that never answers, or stops in mid-answer, fails a login with an
// error naming it, instead of holding it for ever; nothing is written.
func TestLoginToARegistryThatDoesNotAnswer(t *testing.T) {
	tests := []struct {
		name string
		host func(t *testing.T) string
		err  string
	}{
		{
			name: "accepts and never answers",
			host: silentListener,
			err:  ": the registry did not answer in time; check the address and that the registry is up: ",
		},
		{
			name: "drips the token",
			host: func(t *testing.T) string {
				reg := registrytest.New(t, registrytest.WithBearerAuth(user, password))
				reg.Inject(registrytest.Drip(http.MethodGet, registrytest.TokenPath, http.StatusOK, 10*time.Second))
				return reg.Host
			},
			err: " stopped sending: no data for 50ms while reading the answer to GET /token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := tt.host(t)
			srv, err := dockerconfig.ParseServer(host)
			require.NoError(t, err)
			d := newDir(t)
			_, err = dockerconfig.Login(context.Background(), d, srv, user, password, dockerconfig.WithTimeout(50*time.Millisecond))
			require.Error(t, err)
			assert.Contains(t, err.Error(), host+": ")
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), password)
			assert.NoFileExists(t, d.File())
		})
	}
}
