package cleanup_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A repository of 10,020 tags: 20 images built at each of 250 commits of
// main, a stage each (5,000 stages, each its own manifest and config), a meta
// record each (5,000), and the managed-image records. werf's default
// policies keep the 10 newest stages of each image on main (200); the 4,800
// others and their records go.
const (
	benchImages  = 20
	benchCommits = 250
)

type benchRepo struct {
	reg      *registrytest.Registry
	repo     string
	dir      string
	commits  []string
	now      time.Time
	stages   map[string]v1.Image // stage tag → image
	records  []string            // record tags
	recordIm v1.Image
}

func newBenchRepo(b *testing.B) *benchRepo {
	b.Helper()
	br := &benchRepo{now: time.Now().UTC().Truncate(time.Second), stages: map[string]v1.Image{}}
	// The history: 250 commits of main, a day apart, written by git
	// fast-import in one go; origin/main points to the last.
	g := gittest.New(b)
	br.dir = g.Dir
	var stream strings.Builder
	start := br.now.Add(-benchCommits * time.Hour)
	for i := range benchCommits {
		when := start.Add(time.Duration(i) * time.Hour).Unix()
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\ncommitter t <t@t> %d +0000\ndata 2\nc\n", i+1, when)
		if i > 0 {
			fmt.Fprintf(&stream, "from :%d\n", i)
		}
		fmt.Fprintf(&stream, "M 644 inline file\ndata %d\n%d\n\n", len(fmt.Sprint(i))+1, i)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Env, cmd.Stdin = g.Dir, gittest.Env(), strings.NewReader(stream.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}
	g.Git("update-ref", "refs/remotes/origin/main", "main")
	g.Git("checkout", "-q", "main")
	br.commits = strings.Split(g.Git("rev-list", "--reverse", "main"), "\n")
	if err := os.WriteFile(filepath.Join(g.Dir, "werf.yaml"), nil, 0o644); err != nil {
		b.Fatal(err)
	}

	br.reg = registrytest.New(b)
	br.repo = br.reg.Host + "/" + projectName
	layerImg, err := random.Image(256, 1)
	if err != nil {
		b.Fatal(err)
	}
	layers, _ := layerImg.Layers()
	base, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		b.Fatal(err)
	}
	for img := range benchImages {
		image := fmt.Sprintf("image-%02d", img)
		br.records = append(br.records, registry.ManagedImageTag(image))
		for c, commit := range br.commits {
			published := start.Add(time.Duration(c) * time.Hour)
			digest := fmt.Sprintf("%x", sha256.Sum224([]byte(image+commit)))
			tag := fmt.Sprintf("%s-%d", digest, published.UnixMilli())
			cfg, _ := base.ConfigFile()
			cfg = cfg.DeepCopy()
			cfg.Created = v1.Time{Time: published}
			cfg.Config.Labels = map[string]string{registry.LabelProject: projectName, "stage": tag}
			stage, err := mutate.ConfigFile(base, cfg)
			if err != nil {
				b.Fatal(err)
			}
			br.stages[tag] = stage
			br.records = append(br.records, registry.MetaTag(image, commit, tag))
		}
	}
	br.recordIm, _ = mutate.ConfigFile(base, &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{registry.LabelProject: projectName}}})
	br.fill(b)
	return br
}

// fill pushes every stage and record the registry lacks.
func (br *benchRepo) fill(b *testing.B) {
	b.Helper()
	r, _ := name.NewRepository(br.repo)
	have := map[string]bool{}
	if tags, err := remote.List(r); err == nil {
		for _, t := range tags {
			have[t] = true
		}
	}
	pusher, err := remote.NewPusher()
	if err != nil {
		b.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(32)
	var mu sync.Mutex
	layersDone := false
	for tag, img := range br.stages {
		if have[tag] {
			continue
		}
		mu.Lock()
		first := !layersDone
		layersDone = true
		mu.Unlock()
		push := func() error { return remote.Write(r.Tag(tag), img, remote.Reuse(pusher)) }
		if first {
			if err := push(); err != nil {
				b.Fatal(err)
			}
			continue
		}
		g.Go(push)
	}
	for _, tag := range br.records {
		if !have[tag] {
			g.Go(func() error { return remote.Write(r.Tag(tag), br.recordIm, remote.Reuse(pusher)) })
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

func (br *benchRepo) cleanup(b *testing.B, dryRun bool) *cleanup.Report {
	b.Helper()
	s, err := registry.New(projectName, br.repo)
	if err != nil {
		b.Fatal(err)
	}
	h, err := source.OpenHistory(br.dir)
	if err != nil {
		b.Fatal(err)
	}
	var images []string
	for img := range benchImages {
		images = append(images, fmt.Sprintf("image-%02d", img))
	}
	rep, err := cleanup.Run(context.Background(), s, h, cleanup.Options{Images: images, DryRun: dryRun, Now: func() time.Time { return br.now }})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkCleanup10kTags cleans up the repository for real; each run
// finds it full again. Its numbers are one run's: wall time per op, and the
// registry requests by kind.
func BenchmarkCleanup10kTags(b *testing.B) {
	br := newBenchRepo(b)
	var rep *cleanup.Report
	for b.Loop() {
		b.StopTimer()
		br.fill(b)
		br.reg.ResetRequests()
		b.StartTimer()
		rep = br.cleanup(b, false)
	}
	br.report(b, rep, 9600)
}

// BenchmarkCleanupDryRun10kTags reads and decides without deleting.
func BenchmarkCleanupDryRun10kTags(b *testing.B) {
	br := newBenchRepo(b)
	var rep *cleanup.Report
	for b.Loop() {
		br.reg.ResetRequests()
		rep = br.cleanup(b, true)
	}
	br.report(b, rep, 9600)
}

func (br *benchRepo) report(b *testing.B, rep *cleanup.Report, wantDeleted int) {
	b.Helper()
	if len(rep.Deleted) != wantDeleted || len(rep.KeptStages()) != benchImages*10 {
		b.Fatalf("deleted %d (want %d), kept %d stages", len(rep.Deleted), wantDeleted, len(rep.KeptStages()))
	}
	b.ReportMetric(float64(len(br.reg.Requests())), "requests/op")
	b.ReportMetric(float64(br.reg.Count(http.MethodGet, "/tags/list")), "lists/op")
	b.ReportMetric(float64(br.reg.Count(http.MethodGet, "/manifests/")), "manifests/op")
	b.ReportMetric(float64(br.reg.Count(http.MethodGet, "/blobs/")), "configs/op")
	b.ReportMetric(float64(br.reg.Count(http.MethodDelete, "")), "deletes/op")
}
