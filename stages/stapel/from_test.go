package stapel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// werf's pkg/build/stage/from_test.go: the from stage's dependencies. There the
// base image's name, or the fromImage's content digest, comes from a stub that
// returns "" unless set.
func TestFromDependenciesWerfGolden(t *testing.T) {
	tests := []struct {
		name         string
		stapel       config.Stapel
		cacheVersion string
		want         string
	}{
		{"without any param", config.Stapel{}, "",
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"imageCacheVersion", config.Stapel{}, "image-cache-version",
			"62cc7cbbeb4189a01f9071091675d14e56faffbb1cd910e7e26858546028ef8f"},
		{"fromCacheVersion", config.Stapel{FromCacheVersion: "from-cache-version"}, "",
			"30a820396785223b2734a036e91697e727e16c01cd30fe64cbb04d81fbc6c1ae"},
		{"fromImage (its content digest from the stub: \"\")", config.Stapel{FromImage: "from-image-or-artifact-image-name"}, "",
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"scratch", config.Stapel{From: "scratch"}, "",
			"5a9cb6b54ea56d52a69891af8c21afb73d3841611bbabb5d7c61312d81e6e041"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := stapelImage("example", tt.stapel)
			img.CacheVersion = tt.cacheVersion
			c := testChain(t, img, Options{Images: fakeImages{"from-image-or-artifact-image-name": {}}})
			s, err := c.Next(context.Background())
			require.NoError(t, err)
			require.Equal(t, From, s.Name)
			assert.Equal(t, tt.want, arg(t, s, argDependencies))
		})
	}

	// baseImageRepoIdOrNone: werf's fromLatest with a base named "".
	t.Run("fromLatest base image ID", func(t *testing.T) {
		c := testChain(t, stapelImage("example", config.Stapel{FromLatest: true}), Options{
			BaseImageID: func(context.Context, string) (string, error) { return "base-image-repo-id-or-none", nil },
		})
		s, err := c.Next(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "29e4de9b8f38c28e4fffb47f5a22f2c8ac76986cffd81133d5180586ebf85adf", arg(t, s, argDependencies))
	})
}

// The from stage's parts, in werf's order, and what they make.
func TestFromDependencies(t *testing.T) {
	base := config.Stapel{From: "alpine:3.20"}
	withMounts := base
	withMounts.Mounts = []config.Mount{{From: "tmp_dir", To: "/var/cache/apt/"}, {FromPath: "~/.cache//go", To: "/root/go"}}
	fromImage := config.Stapel{FromImage: "base", FromLatest: true}
	latest := config.Stapel{From: "alpine:3.20", FromLatest: true, FromCacheVersion: "f"}
	tests := []struct {
		name   string
		stapel config.Stapel
		cv     string
		want   []string
		ref    string
	}{
		{"external base: its name", base, "", []string{"alpine:3.20"}, "alpine:3.20"},
		{"mounts: from (\".\" for tmp_dir), to, type", withMounts, "cv",
			[]string{"cv", ".", "/var/cache/apt", "tmp_dir", "~/.cache/go", "/root/go", "custom_dir", "alpine:3.20"}, "alpine:3.20"},
		{"fromImage: its content digest; fromLatest ignored", fromImage, "",
			[]string{"content-of-base"}, "repo:base-1"},
		{"fromLatest: the base image ID after the cache versions", latest, "cv",
			[]string{"cv", "f", "sha256:id", "alpine:3.20"}, "alpine:3.20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := stapelImage("x", tt.stapel)
			img.CacheVersion = tt.cv
			c := testChain(t, img, Options{
				Images:      fakeImages{"base": {Name: "repo:base-1", ContentDigest: "content-of-base"}},
				BaseImageID: func(context.Context, string) (string, error) { return "sha256:id", nil },
			})
			s, err := c.Next(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, values(s.Dependencies))
			assert.Equal(t, sha256Of(tt.want...), arg(t, s, argDependencies))
			assert.Equal(t, tt.ref, s.BaseRef)
		})
	}
}
