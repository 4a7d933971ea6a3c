package gitmap_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// BenchmarkStageDependenciesChecksum: a repository of 10,000 files in 100
// directories; the globs take a tenth of the files one by one, so the walk
// reads every tree. "warm" opens the mapping again in the same build (the
// project's trees are decoded already); "cold" reads the project anew too.
func BenchmarkStageDependenciesChecksum(b *testing.B) {
	r := gittest.New(b)
	for d := range 100 {
		for f := range 100 {
			ext := ".txt"
			if f%10 == 0 {
				ext = ".go"
			}
			p := filepath.Join(r.Dir, "src", fmt.Sprintf("pkg%03d", d), fmt.Sprintf("file%03d%s", f, ext))
			require.NoError(b, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(b, os.WriteFile(p, []byte(fmt.Sprintf("%d/%d\n", d, f)), 0o644))
		}
	}
	r.Commit("10,000 files")
	g := config.GitMapping{Add: "/src", To: "/src", ExcludePaths: []string{"pkg099"},
		StageDependencies: config.StageDependencies{Install: []string{"**/*.go", "pkg000/file001.txt"}}}
	ctx := context.Background()
	open := func(snap *source.Snapshot, repos *gitmap.Repos) *gitmap.Mapping {
		ms, err := gitmap.Open(ctx, []config.GitMapping{g}, gitmap.Options{Project: snap, Repos: repos})
		require.NoError(b, err)
		return ms[0]
	}
	snapshot := func() *source.Snapshot {
		snap, err := source.Open(r.Dir)
		require.NoError(b, err)
		return snap
	}

	b.Run("warm", func(b *testing.B) {
		snap, repos := snapshot(), gitmap.NewRepos()
		for b.Loop() {
			if _, err := open(snap, repos).StageDependenciesChecksum(ctx, gitmap.StageInstall); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := open(snapshot(), gitmap.NewRepos()).StageDependenciesChecksum(ctx, gitmap.StageInstall); err != nil {
				b.Fatal(err)
			}
		}
	})
}
