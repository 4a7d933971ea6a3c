package gitmap_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// Image tasks open and read mappings of shared repositories at once (run
// with -race).
func TestConcurrentImages(t *testing.T) {
	r, c1, _ := patchRepo(t)
	u := newUpstream(t)
	up1 := u.work.Git("rev-parse", "HEAD")
	u.push(map[string]string{"lib/a.txt": "lib v2\n"})
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	opts := gitmap.Options{Project: snap, CacheDir: t.TempDir(), Repos: gitmap.NewRepos()}
	gms := []config.GitMapping{
		{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"**/*.go"}}},
		{Add: "/src", To: "/src"},
		{URL: u.fileURL(), Add: "/lib", To: "/lib", Branch: "main", StageDependencies: config.StageDependencies{Setup: []string{"*"}}},
	}
	ctx := context.Background()

	var wg sync.WaitGroup
	results := make([][]string, 8)
	for i := range results {
		wg.Go(func() {
			ms, err := gitmap.Open(ctx, gms, opts)
			if !assert.NoError(t, err) {
				return
			}
			for j, m := range ms {
				from := c1
				if j == 2 {
					from = up1
				}
				sum, err := m.StageDependenciesChecksum(ctx, gitmap.StageInstall)
				assert.NoError(t, err)
				setup, err := m.StageDependenciesChecksum(ctx, gitmap.StageSetup)
				assert.NoError(t, err)
				patch, err := m.PatchContent(ctx, from)
				assert.NoError(t, err)
				size, err := m.PatchSize(ctx, from)
				assert.NoError(t, err)
				empty, err := m.IsPatchEmpty(ctx, from)
				assert.NoError(t, err)
				isEmpty, err := m.IsEmpty(ctx)
				assert.NoError(t, err)
				ok, _, err := gitmap.Suitable(ctx, []*gitmap.Mapping{m}, m.Labels(gitmap.CommitInfo{Commit: from}))
				assert.NoError(t, err)
				assert.True(t, ok)
				results[i] = append(results[i], sum, setup, patch, fmt.Sprint(size, empty, isEmpty))
			}
		})
	}
	wg.Wait()
	for i := 1; i < len(results); i++ {
		assert.Equal(t, results[0], results[i])
	}
}

// Mappings of one repository by a branch and by a tag sync it separately: one
// fetches while images of the other read the mirror (run with -race).
func TestConcurrentFetchAndRead(t *testing.T) {
	u := newUpstream(t)
	u.push(map[string]string{"lib/a.txt": "lib v2\n"})
	snap := project(t)
	opts := gitmap.Options{Project: snap, CacheDir: t.TempDir(), Repos: gitmap.NewRepos()}
	byBranch := []config.GitMapping{{URL: u.fileURL(), Add: "/lib", To: "/lib", Branch: "main", StageDependencies: config.StageDependencies{Setup: []string{"*"}}}}
	byTag := []config.GitMapping{{URL: u.fileURL(), Add: "/lib", To: "/lib", Tag: "v1", StageDependencies: config.StageDependencies{Setup: []string{"*"}}}}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		gms := byBranch
		if i%2 == 1 {
			gms = byTag
		}
		wg.Go(func() {
			ms, err := gitmap.Open(ctx, gms, opts)
			if !assert.NoError(t, err) {
				return
			}
			_, err = ms[0].StageDependenciesChecksum(ctx, gitmap.StageSetup)
			assert.NoError(t, err)
			latest, _ := ms[0].Latest(ctx)
			ok, err := ms[0].HasCommit(ctx, latest.Commit)
			assert.NoError(t, err)
			assert.True(t, ok)
		})
	}
	wg.Wait()
}
