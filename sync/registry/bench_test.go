package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dagwerf/dagwerf/test/registrytest"
)

// BenchmarkNoopLookup looks up 200 stages — 100 the repository has, 100 it does
// not — in a repository of 10,000 tags, as a build whose stages all exist starts.
// It reports the HTTP requests of one run; the goal is the tag listing plus one
// manifest read per hit, nothing per miss.
func BenchmarkNoopLookup(b *testing.B) {
	reg := registrytest.New(b)
	repo := reg.Host + "/shop"
	img := image(b, "linux/amd64", nil)
	first, _ := name.NewTag(repo + ":seed")
	if err := remote.Write(first, img); err != nil {
		b.Fatal(err)
	}
	pusher, err := remote.NewPusher()
	if err != nil {
		b.Fatal(err)
	}
	digest := func(i int) string { return fmt.Sprintf("%056x", i) }
	for i := range 10_000 {
		tag, _ := name.NewTag(fmt.Sprintf("%s:%s-%d", repo, digest(i), 1700000000000+i))
		if err := remote.Tag(tag, img, remote.Reuse(pusher)); err != nil {
			b.Fatal(err)
		}
	}
	type lookup struct {
		digest string
		hit    bool
	}
	var lookups []lookup
	for i := range 100 {
		lookups = append(lookups, lookup{digest(i * 97), true}, lookup{digest(20_000 + i), false})
	}

	b.ResetTimer()
	var requests, lists, manifests int
	for b.Loop() {
		reg.ResetRequests()
		s, _ := newStorage(b, repo)
		for _, l := range lookups {
			desc, err := s.Lookup(context.Background(), l.digest)
			if err != nil {
				b.Fatal(err)
			}
			if (desc != nil) != l.hit {
				b.Fatalf("lookup of %s: found %v", l.digest, desc != nil)
			}
		}
		requests = len(reg.Requests())
		lists = reg.Count("GET", "/tags/list")
		manifests = reg.Count("GET", "/manifests/")
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(lists), "tag-list-pages/op")
	b.ReportMetric(float64(manifests), "manifest-reads/op")
}
