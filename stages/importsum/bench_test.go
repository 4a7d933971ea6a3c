package importsum_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/importsum"
)

// An import of 10,000 files of 1 KiB in 100 directories, from an image whose
// lower layer also has 10,000 files outside add, and whose upper layer
// replaces 1,000 of the imported ones. "tar" layers cost no decompression;
// "gzip" layers are what a registry serves.
func BenchmarkChecksum10000Files(b *testing.B) {
	body := strings.Repeat("x", 1024)
	var lower, upper []entry
	for d := range 100 {
		for f := range 100 {
			lower = append(lower, file(fmt.Sprintf("app/d%03d/f%03d", d, f), body+fmt.Sprint(d, f)))
			lower = append(lower, file(fmt.Sprintf("usr/share/d%03d/f%03d", d, f), body))
		}
		for f := range 10 {
			upper = append(upper, file(fmt.Sprintf("app/d%03d/f%03d", d, f), "new"+body))
		}
	}
	for _, compressed := range []bool{false, true} {
		name := "tar"
		if compressed {
			name = "gzip"
		}
		img := benchImage(b, compressed, layerTar(b, lower...), layerTar(b, upper...))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := importsum.Checksum(context.Background(), img, importsum.Spec{Add: "/app"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchImage(b *testing.B, compressed bool, layers ...[]byte) v1.Image {
	var ls []v1.Layer
	for _, data := range layers {
		if compressed {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			_, err := w.Write(data)
			require.NoError(b, err)
			require.NoError(b, w.Close())
			data = z.Bytes()
		}
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
		require.NoError(b, err)
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	require.NoError(b, err)
	return img
}
