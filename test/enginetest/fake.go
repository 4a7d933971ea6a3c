// Package enginetest helps tests that need a Dagger engine: it tells whether one is
// reachable, and offers a stand-in builder for tests of everything around it.
package enginetest

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dagwerf/dagwerf/pipeline"
)

// Fake stands in for the Dagger engine where there is none: it "builds" a small
// image for the platform, whose config records the build args, and pushes it with
// go-containerregistry. It records what each build was given. As a
// pipeline.ShellBuilder it "runs" a user stage by adding to the previous stage
// a layer whose one file lists the commands (see ShellFile).
type Fake struct {
	Fail map[string]error // image name → the error its build fails with
	// ShellFail: "image/stage" → the error that user stage fails with.
	ShellFail map[string]error
	// ShellWrites: "image/stage" → the files (path → content) that user
	// stage writes, as its commands would: what later imports take.
	ShellWrites map[string]map[string]string
	Delay       time.Duration // each build takes this long
	// Created gives the image config's creation time; the zero time leaves it
	// out, as some builders do. Without it, the time of the build.
	Created func() time.Time

	mu            sync.Mutex
	Requests      []pipeline.BuildRequest
	ShellRequests []pipeline.ShellRequest
	Contexts      map[string]map[string]string // "image@platform" → the context's files
	running       atomic.Int32
	MaxSeen       atomic.Int32 // the most builds at once
}

func (f *Fake) Build(ctx context.Context, req pipeline.BuildRequest) (pipeline.Built, error) {
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.MaxSeen.Load()
		if n <= m || f.MaxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	files := map[string]string{}
	_ = filepath.WalkDir(req.ContextDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(req.ContextDir, p)
			data, _ := os.ReadFile(p)
			files[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	f.mu.Lock()
	f.Requests = append(f.Requests, req)
	if f.Contexts == nil {
		f.Contexts = map[string]map[string]string{}
	}
	f.Contexts[req.Image.Name+"@"+req.Platform] = files
	err := f.Fail[req.Image.Name]
	f.mu.Unlock()
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	img, err := random.Image(64, 1)
	if err != nil {
		return nil, err
	}
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	p, _ := v1.ParsePlatform(req.Platform)
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	args, _ := json.Marshal(req.BuildArgs)
	cfg.Config.Env = []string{"BUILD_ARGS=" + string(args)}
	cfg.Created = v1.Time{Time: time.Now()}
	if f.Created != nil {
		cfg.Created = v1.Time{Time: f.Created()}
	}
	img, err = mutate.ConfigFile(img, cfg)
	return fakeBuilt{img: img}, err
}

// Builds counts the builds asked for.
func (f *Fake) Builds() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.Requests)
}

type fakeBuilt struct{ img v1.Image }

func (b fakeBuilt) Push(ctx context.Context, ref name.Tag, labels map[string]string) error {
	cfg, err := b.img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.Config.Labels = labels
	img, err := mutate.ConfigFile(b.img, cfg)
	if err != nil {
		return err
	}
	return remote.Write(ref, img, remote.WithContext(ctx))
}
