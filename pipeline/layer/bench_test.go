package layer_test

import (
	"context"
	"fmt"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// bigTree is n files of 1 KiB in directories of 50, under prefix.
func bigTree(prefix string, n int) []entry {
	es := []entry{dir(prefix, 0o755, 0, 0)}
	body := string(make([]byte, 1024))
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("%s/d%03d", prefix, i/50)
		if i%50 == 0 {
			es = append(es, dir(d, 0o755, 0, 0))
		}
		es = append(es, file(fmt.Sprintf("%s/f%05d", d, i), 0o644, 0, 0, body))
	}
	return es
}

// A base of 20000 paths under a stage importing 5000 files of 1 KiB: the
// whole step, base and source read, layer written.
func BenchmarkImport(b *testing.B) {
	base := imageOf(b, bigTree("usr/share", 20000))
	src := imageOf(b, bigTree("out", 5000))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		lb := layer.New(base, layer.WithTempDir(b.TempDir()))
		require.NoError(b, lb.Import(ctx, src, config.FileImport{Add: "/out", To: "/app"}))
		_, err := lb.Layer(ctx)
		require.NoError(b, err)
		require.NoError(b, lb.Close())
	}
}

// A mapping of 2000 files over a base of 20000 paths.
func BenchmarkGitArchive(b *testing.B) {
	r := gittest.New(b)
	files := map[string]string{}
	for i := 0; i < 2000; i++ {
		files[fmt.Sprintf("src/d%02d/f%04d.go", i/50, i)] = fmt.Sprintf("package f // %d\n", i)
	}
	c := r.CommitFiles(files)
	m := openMapping(b, r, c, config.GitMapping{Add: "/src", To: "/app", Owner: "0"})
	var base v1.Image = imageOf(b, bigTree("usr/share", 20000))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		lb := layer.New(base, layer.WithTempDir(b.TempDir()))
		require.NoError(b, lb.GitArchive(ctx, m))
		_, err := lb.Layer(ctx)
		require.NoError(b, err)
		require.NoError(b, lb.Close())
	}
}
