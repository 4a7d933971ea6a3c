package stages_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/test/gittest"
)

const benchFiles = 100_000

// bigRepo commits a project whose context holds 100,000 files (100 × 10 × 100, a
// few bytes each) with git fast-import, and writes the configuration files to
// disk too, as a checkout would.
func bigRepo(b *testing.B, dockerignore string) string {
	b.Helper()
	dir := b.TempDir()
	git := func(stdin func(*bufio.Writer) error, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = gittest.Env()
		var w *bufio.Writer
		if stdin != nil {
			pipe, err := cmd.StdinPipe()
			if err != nil {
				b.Fatal(err)
			}
			w = bufio.NewWriterSize(pipe, 1<<20)
			defer func() {
				if err := stdin(w); err != nil {
					b.Fatal(err)
				}
				w.Flush()
				pipe.Close()
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
			}()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			return
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	git(nil, "init", "-q", "-b", "main")

	files := map[string]string{
		"werf.yaml":      "configVersion: 1\nproject: bench\n---\nimage: app\ndockerfile: Dockerfile\ncontext: ctx\n",
		"ctx/Dockerfile": "FROM alpine\nCOPY . /app\n",
	}
	if dockerignore != "" {
		files["ctx/.dockerignore"] = dockerignore
	}
	git(func(w *bufio.Writer) error {
		fmt.Fprintf(w, "commit refs/heads/main\ncommitter bench <b@dagwerf.invalid> 1700000000 +0000\ndata 5\nbench\n")
		for p, content := range files {
			fmt.Fprintf(w, "M 100644 inline %s\ndata %d\n%s\n", p, len(content), content)
		}
		for i := 0; i < benchFiles; i++ {
			content := fmt.Sprintf("file %d\n", i)
			fmt.Fprintf(w, "M 100644 inline ctx/d%02d/s%d/f%03d.go\ndata %d\n%s\n", i/1000, i/100%10, i%100, len(content), content)
		}
		return nil
	}, "fast-import", "--quiet")
	for p, content := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkDigest100kFiles is the digest of an image whose `COPY . /app` covers a
// context of 100,000 committed files, from opening the repository to the digest.
// Without a .dockerignore the context is one tree hash; a .dockerignore that
// leaves out a pattern makes the walk visit every tree entry — and still reads no
// file content.
func BenchmarkDigest100kFiles(b *testing.B) {
	for _, bc := range []struct{ name, dockerignore string }{
		{"whole-context", ""},
		{"dockerignore-walks-every-entry", "**/*.log\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := bigRepo(b, bc.dockerignore)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				snap, err := source.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				cfg, err := config.Load(snap, config.Options{})
				if err != nil {
					b.Fatal(err)
				}
				stage, err := stages.NewCalculator(cfg, snap).Stage(context.Background(), cfg.Image("app"), "linux/amd64", nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(stage.Digest) != stages.DigestLength {
					b.Fatal(stage.Digest)
				}
			}
		})
	}
}
