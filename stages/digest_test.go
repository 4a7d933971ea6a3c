package stages_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
)

func TestDockerfileDigest(t *testing.T) {
	tests := []struct {
		name, platform, depsHash, digest, content string
	}{
		// werf-facts.md: FROM alpine:latest / RUN echo hello
		{"alpine amd64", "linux/amd64", "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae", "0883bdbcff5e101c016d27f63b08bc4bddcc655837e06f4b801c942f", ""},
		{"alpine arm64", "linux/arm64", "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae", "3d982379919ca2abbe5b9d97c772f3f918fb231de0ff74a8fd40f81a", ""},
		// werf's test/e2e/build/multiarch_test.go, image potato
		{"potato amd64", "linux/amd64", "8b15a3b865499280c18c1bffda98ed1726aeb78872084254e5ac49a64fadca9b", "30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2", "245c208ed242768899906e4dc7507dff6acacb3496995e0b6be4ac8a"},
		{"potato arm64", "linux/arm64", "8b15a3b865499280c18c1bffda98ed1726aeb78872084254e5ac49a64fadca9b", "cd8956d94612821a843cfbbb3b44d9ed837f8001f2a2361a4815acce", "b6a5e289f7e633775d27f043b311e026870fe07825539b350ec95284"},
		{"no platform is amd64", "", "8b15a3b865499280c18c1bffda98ed1726aeb78872084254e5ac49a64fadca9b", "30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			digest := stages.DockerfileDigest(tt.platform, tt.depsHash)
			assert.Equal(t, tt.digest, digest)
			assert.Len(t, digest, stages.DigestLength)
			if tt.content != "" {
				assert.Equal(t, tt.content, stages.ContentDigest(tt.platform, digest))
			}
		})
	}
	assert.Equal(t, "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae", stages.Sha256("alpine:latest", "RUN echo hello"))
}

func TestManifestListTag(t *testing.T) {
	tag := stages.ManifestListTag(map[string]stages.StageID{
		"linux/arm64": {Digest: "cd8956d94612821a843cfbbb3b44d9ed837f8001f2a2361a4815acce", CreatedAt: 1700000000001},
		"linux/amd64": {Digest: "30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2", CreatedAt: 1700000000000},
	})
	assert.Equal(t, "3f9032d0633f733452d8309795eb892e5c429b3f86e36be4db40a342", tag)
}

func TestStageID(t *testing.T) {
	id := stages.NewStageID("30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2", time.UnixMilli(1700000000123).In(time.FixedZone("x", 3600)))
	assert.Equal(t, "30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2-1700000000123", id.String())
	assert.Len(t, id.String(), 70)

	parsed, err := stages.ParseStageID(id.String())
	require.NoError(t, err)
	assert.Equal(t, id, parsed)

	for _, bad := range []string{
		"30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2",
		"30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2-1700000000123-rejected",
		"30BD7A840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2-1700000000123",
		"latest", "x-1", "30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2-+17",
		"30bd7a840fcb35eb283d9940f58d1dd02a576a6967e416d9c13deaf2-017",
	} {
		_, err := stages.ParseStageID(bad)
		assert.Error(t, err, bad)
	}
}
