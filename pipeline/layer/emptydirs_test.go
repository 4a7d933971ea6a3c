package layer_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/pipeline/layer"
)

// The from stage of an image with mounts empties the mount points in the base
// (werf's removeInsidePath).
func TestEmptyDirs(t *testing.T) {
	base := imageOf(t,
		[]entry{dir("var", 0o755, 0, 0), dir("var/cache", 0o755, 0, 0), dir("var/cache/apk", 0o755, 0, 0),
			file("var/cache/apk/index", 0o644, 0, 0, "i"), dir("var/cache/apk/sub", 0o755, 0, 0), file("var/cache/apk/sub/f", 0o644, 0, 0, "f"),
			file("var/cache/keep", 0o644, 0, 0, "k"), dir("tmp", 0o1777, 0, 0), symlink("cachelink", "var/cache/apk")},
		[]entry{file("tmp/.x", 0o644, 0, 0, "x")},
	)
	for _, tc := range []struct {
		name string
		dirs []string
		want map[string]string
	}{
		{"a mount point's content goes, the directory stays", []string{"/var/cache/apk"},
			map[string]string{"var/cache/apk/index": removed, "var/cache/apk/sub": removed, "var/cache/apk/sub/f": removed}},
		{"several; one missing, one a file", []string{"/tmp", "/opt/none", "/var/cache/keep"},
			map[string]string{"tmp/.x": removed}},
		{"through a symlink, resolved inside the image", []string{"/cachelink"},
			map[string]string{"var/cache/apk/index": removed, "var/cache/apk/sub": removed, "var/cache/apk/sub/f": removed}},
		{"nothing to empty", []string{"/opt"}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := stage(t, base, func(b *layer.Builder) error { return b.EmptyDirs(context.Background(), tc.dirs) })
			assert.Equal(t, tc.want, changes(t, base, img))
		})
	}
}
