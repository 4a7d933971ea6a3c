package module

import (
	"context"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The keys deckhouse/modules-template's images-digests.yaml gives images:
// the last segment of the name, through sprig's camelcase and untitle.
func TestDigestsKey(t *testing.T) {
	tests := map[string]string{
		"module-template/echoServer": "echoServer",
		"hello-module/echo-server":   "echoServer",
		"hello-module/hello":         "hello",
		"a/b/my_app":                 "myApp",
		"plain":                      "plain",
	}
	for img, want := range tests {
		assert.Equal(t, want, digestsKey(img), img)
	}
}

// A multi-platform bundle is checked platform by platform; the problem names
// the platform.
func TestReleaseChecksEveryPlatform(t *testing.T) {
	f := newFixture(t)
	report := f.good(testTag)
	amd := imageOf(t, f.bundle(testTag)...)
	arm := imageFor(t, "arm64", f.bundle("v9.9.9")...)
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	ref, err := name.NewTag(f.repo + ":bundle-list")
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))
	h, err := idx.Digest()
	require.NoError(t, err)
	rec := report.Images[BundleImage]
	rec.DockerTag, rec.DockerImageName, rec.DockerImageDigest = "bundle-list", ref.String(), h.String()
	report.Images[BundleImage] = rec

	_, err = f.releaseOf(report, testTag, nil).Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bundle image "+ref.String()+" (linux/arm64): version.json says \"v9.9.9\"")
	assert.NotContains(t, err.Error(), "(linux/amd64)")
}

// rootFiles reads what a flattening leaves at the root, nothing below it.
func TestRootFiles(t *testing.T) {
	img := imageOf(t,
		[]entry{file("version.json", "old"), file("module.yaml", "m"), file("changelog.yaml", "c")},
		[]entry{file("sub/version.json", "nested"), whiteout("changelog.yaml"), {name: "module.yaml", typeflag: '3'}},
		[]entry{file("./version.json", "new")},
	)
	got, err := rootFiles(img, versionFile, moduleFile, changelogFile)
	require.NoError(t, err)
	assert.Equal(t, map[string]rootFile{
		"version.json": {Entry: "./version.json", Typeflag: '0', Content: []byte("new")},
		"module.yaml":  {Entry: "module.yaml", Typeflag: '3'},
	}, got)
	assert.Equal(t, "a tar entry of type '3'", typeName('3'))
	assert.Equal(t, "a hard link", typeName('1'))
	assert.Equal(t, "a directory", typeName('5'))
}
