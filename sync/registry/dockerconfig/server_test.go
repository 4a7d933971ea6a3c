package dockerconfig_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		address string
		want    dockerconfig.Server
		err     string
	}{
		{address: "registry.example.com", want: dockerconfig.Server{Key: "registry.example.com", Host: "registry.example.com"}},
		{address: "Registry.Example.com:5000", want: dockerconfig.Server{Key: "registry.example.com:5000", Host: "registry.example.com:5000"}},
		{address: "registry.example.com/group/app", want: dockerconfig.Server{Key: "registry.example.com", Host: "registry.example.com"}},
		{address: "https://registry.example.com/v2/", want: dockerconfig.Server{Key: "registry.example.com", Host: "registry.example.com"}},
		{address: "http://127.0.0.1:5000", want: dockerconfig.Server{Key: "127.0.0.1:5000", Host: "127.0.0.1:5000"}},
		{address: "", want: dockerconfig.DockerHub},
		{address: "docker.io", want: dockerconfig.DockerHub},
		{address: "index.docker.io", want: dockerconfig.DockerHub},
		{address: "registry-1.docker.io", want: dockerconfig.DockerHub},
		{address: "https://index.docker.io/v1/", want: dockerconfig.DockerHub},
		{address: "https://ci:s3cret@registry.example.com", err: "must not contain credentials"},
		{address: "ci:s3cret@registry.example.com", err: "must not contain credentials"},
		{address: "https://ci:s3cret@registry.example.com:bad", err: "must not contain credentials"},
		{address: "https://", err: "no host"},
		{address: "bad host", err: "not a registry host"},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			got, err := dockerconfig.ParseServer(tt.address)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				assert.NotContains(t, err.Error(), "s3cret")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "https://index.docker.io/v1/", dockerconfig.DockerHub.Key)
}
