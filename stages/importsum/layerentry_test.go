package importsum_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/importsum"
)

// ReadLayer hands out a layer's entries in archive order with clean paths,
// whiteouts as the paths they delete, and file contents; the root's entry
// and AUFS bookkeeping are left out.
func TestReadLayer(t *testing.T) {
	img := imageOf(t, []entry{
		dir("./"), dir("./a/"), file("/a/f", "body"), whiteout("a/.wh.gone"), opaque("a/o"),
		file(".wh..wh.plnk/123.4", ""), symlink("../up/l", "f"), hardlink("h", "a/f"), file(".wh..wh..opq", ""),
	})
	layers, err := img.Layers()
	require.NoError(t, err)
	var got []string
	err = importsum.ReadLayer(context.Background(), layers[0], func(e importsum.LayerEntry, r io.Reader) error {
		s := fmt.Sprintf("%d %q", e.Kind, e.Path)
		if e.Kind == importsum.EntryNode {
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			s += fmt.Sprintf(" %c %q %q", e.Header.Typeflag, e.Header.Linkname, b)
		}
		got = append(got, s)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`0 "a" 5 "" ""`,
		`0 "a/f" 0 "" "body"`,
		`1 "a/gone"`,
		`2 "a/o"`,
		`0 "up/l" 2 "f" ""`,
		`0 "h" 1 "a/f" ""`,
		`2 ""`,
	}, got)
	assert.Equal(t, "a/f", importsum.Clean("./a/../a/f/"))
}
