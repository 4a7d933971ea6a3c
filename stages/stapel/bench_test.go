package stapel

import (
	"context"
	"testing"
)

// BenchmarkAddress addresses an image with every kind of stage, as a first
// build (nothing stored), over fake git and import edges: the cost of the
// chain itself.
func BenchmarkAddress(b *testing.B) {
	img := allKinds()
	images := fakeImages{"asset": {Name: "r:asset", ContentDigest: "ca", StageID: "asset-1"}}
	sums := &fakeChecksums{byImage: map[string]ImportChecksum{"asset": {Checksum: "s", SourceStageID: "asset-1"}}}
	g := &fakeGit{params: "p1", head: "c2", parents: map[string]string{"c2": "c1", "c1": ""}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		sums.asked = sums.asked[:0]
		c := testChain(b, img, Options{Images: images, ImportChecksums: sums}, g)
		stages, err := Address(ctx, c, nil)
		if err != nil || len(stages) != 12 {
			b.Fatalf("%d stages, %v", len(stages), err)
		}
	}
}
