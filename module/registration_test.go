package module

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What crane v0.20.6 pushed for `crane append --oci-empty-base --new_layer ""
// --new_tag REG/modules:hello-module` (run against `crane registry serve`,
// then read back with `crane manifest`, `crane config`, `crane digest`).
const (
	registrationDigest   = "sha256:3d56b3c004797db33c7f771a2194d4c43a6cb740954863530b45f471da48cc08"
	registrationManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":115,"digest":"sha256:5b943e2b943f6c81dbbd4e2eca5121f4fcc39139e3d1219d6d89bd925b77d9fe"},"layers":[]}`
	registrationConfig   = `{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}`
)

func TestRegistrationImageIsCranes(t *testing.T) {
	img := RegistrationImage()
	manifest, err := img.RawManifest()
	require.NoError(t, err)
	assert.Equal(t, registrationManifest, string(manifest))
	cfg, err := img.RawConfigFile()
	require.NoError(t, err)
	assert.Equal(t, registrationConfig, string(cfg))
	assert.Equal(t, registrationDigest, digestOf(t, img))
	layers, err := img.Layers()
	require.NoError(t, err)
	assert.Empty(t, layers)
}
