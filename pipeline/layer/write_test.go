package layer_test

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
)

// entries lists a layer's archive: name, type, mode, owner, time.
func entries(t testing.TB, l v1.Layer) []string {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%s %c %04o %d:%d %d", h.Name, h.Typeflag, h.Mode, h.Uid, h.Gid, h.ModTime.Unix()))
	}
}

// The layer holds what the stage made or changed, the directories above it
// as the base has them, and a whiteout for each path removed; nothing of the
// base is read but its metadata and /etc's account files.
func TestLayerEntries(t *testing.T) {
	r, c1, c2 := patchRepo(t)
	ctx := context.Background()
	g := config.GitMapping{Add: "/src", To: "/opt/existing/app", IncludePaths: []string{"a.txt", "sub", "tc.txt"}}
	base := werfBase(t, false)
	archived := stage(t, base, func(b *layer.Builder) error { return b.GitArchive(ctx, openMapping(t, r, c1, g)) })

	b := layer.New(archived, layer.WithTempDir(t.TempDir()), layer.WithModTime(time.Unix(42, 0)))
	defer b.Close()
	require.NoError(t, b.GitPatch(ctx, openMapping(t, r, c2, g), c1))
	l, err := b.Layer(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"opt/ 5 0755 0:0 1700000000",
		"opt/existing/ 5 0700 1000:1000 1700000000",
		"opt/existing/app/ 5 0755 0:0 0", // as the previous stage has it
		"opt/existing/app/.wh.tc.txt 0 0000 0:0 42",
		"opt/existing/app/a.txt 0 0644 0:0 42",
		"opt/existing/app/sub/ 5 0755 0:0 0",
		"opt/existing/app/sub/.wh.deep 0 0000 0:0 42",
		"opt/existing/app/sub/new/ 5 0755 0:0 42",
		"opt/existing/app/sub/new/n.txt 0 0644 0:0 42",
	}, entries(t, l))

	_, err = b.Layer(ctx)
	assert.Error(t, err, "a Builder makes one layer")
	assert.Error(t, b.GitArchive(ctx, openMapping(t, r, c2, g)), "and takes no step after it")
}

// The same steps over the same base make the same layer.
func TestLayerReproducible(t *testing.T) {
	src := werfSource(t)
	base := werfBase(t, false)
	digest := func() v1.Hash {
		b := layer.New(base, layer.WithTempDir(t.TempDir()))
		defer b.Close()
		require.NoError(t, b.Import(context.Background(), src, config.FileImport{Add: "/out", To: "/imp"}))
		l, err := b.Layer(context.Background())
		require.NoError(t, err)
		d, err := l.Digest()
		require.NoError(t, err)
		return d
	}
	assert.Equal(t, digest(), digest())
}

// A stage with nothing to do makes an empty layer; over scratch too.
func TestLayerEmpty(t *testing.T) {
	for _, base := range []v1.Image{nil, werfBase(t, false)} {
		b := layer.New(base, layer.WithTempDir(t.TempDir()))
		l, err := b.Layer(context.Background())
		require.NoError(t, err)
		assert.Empty(t, entries(t, l))
		require.NoError(t, b.Close())
	}
}

// Close removes the Builder's temporary files.
func TestClose(t *testing.T) {
	dir := t.TempDir()
	b := layer.New(werfBase(t, false), layer.WithTempDir(dir))
	require.NoError(t, b.Import(context.Background(), werfSource(t), config.FileImport{Add: "/out", To: "/imp"}))
	_, err := b.Layer(context.Background())
	require.NoError(t, err)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, files, 2, "the contents and the layer")
	require.NoError(t, b.Close())
	files, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, files)
}
