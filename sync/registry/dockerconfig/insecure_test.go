package dockerconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
)

func TestInsecureHosts(t *testing.T) {
	h := dockerconfig.NewInsecureHosts(filepath.Join(t.TempDir(), "home", dockerconfig.InsecureHostsFile))

	hosts, err := h.List()
	require.NoError(t, err)
	assert.Empty(t, hosts, "no file, no hosts")

	require.NoError(t, h.Add("Registry.Internal:5000"))
	require.NoError(t, h.Add("registry.internal:5000"), "adding twice is harmless")
	require.NoError(t, h.Add("127.0.0.1:5000"))
	hosts, err = h.List()
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:5000", "registry.internal:5000"}, hosts)

	tests := []struct {
		name  string
		hosts []string
		want  []string
	}{
		{name: "a marked host", hosts: []string{"registry.internal:5000"}, want: []string{"registry.internal:5000"}},
		{name: "another port of it is not", hosts: []string{"registry.internal:5001", "registry.internal"}},
		{name: "another host is not", hosts: []string{"registry.example.com", "127.0.0.2:5000"}},
		{name: "only the marked of several, once", hosts: []string{"registry.example.com", "127.0.0.1:5000", "registry.internal:5000", "127.0.0.1:5000"}, want: []string{"127.0.0.1:5000", "registry.internal:5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Select(tt.hosts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestInsecureHostsBrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), dockerconfig.InsecureHostsFile)
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	h := dockerconfig.NewInsecureHosts(path)
	_, err := h.Select("registry.internal:5000")
	require.ErrorContains(t, err, path)
	assert.ErrorContains(t, h.Add("registry.internal:5000"), path)
}
