package engine

import (
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSamePlatform(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"linux/amd64", "linux/amd64", true},
		{"linux/arm64", "linux/arm64/v8", true},
		{"linux/arm64", "linux/amd64", false},
		{"linux/arm/v7", "linux/arm/v6", false},
	} {
		same, err := samePlatform(tc.a, tc.b)
		require.NoError(t, err)
		assert.Equal(t, tc.same, same, "%s %s", tc.a, tc.b)
	}
	_, err := samePlatform("linux/amd64", "not//a/platform")
	assert.ErrorContains(t, err, `platform "not//a/platform"`)
}

// The scratch-image repair changes the config's platform and nothing else.
func TestSetTarballPlatform(t *testing.T) {
	img, err := random.Image(512, 2)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Env = []string{"PATH=/bin"}
	cf.Config.Entrypoint = []string{"/app"}
	cf.Config.Labels = map[string]string{"a": "b"}
	img, err = mutate.ConfigFile(img, cf)
	require.NoError(t, err)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.tar"), filepath.Join(dir, "out.tar")
	require.NoError(t, tarball.WriteToFile(in, name.MustParseReference("example.invalid/image:tag"), img))
	require.NoError(t, setTarballPlatform(in, out, "linux/arm64/v8"))

	fixed, err := tarball.ImageFromPath(out, nil)
	require.NoError(t, err)
	got, err := fixed.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}, *got.Platform())
	assert.Equal(t, cf.Config, got.Config, "the rest of the config is kept")
	assert.Equal(t, cf.RootFS, got.RootFS, "and the layers")
	assert.ErrorContains(t, setTarballPlatform(filepath.Join(dir, "missing.tar"), out, "linux/arm64"), "read the exported image")
}
