package source_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// One snapshot is read by every image task of a build at once. Run under -race
// (as .ci/run does), this fails if any read shares unguarded state: go-git's
// pack index and object cache, or a tree's lazily built name index.
func TestSnapshotConcurrentReads(t *testing.T) {
	for _, dev := range []bool{false, true} {
		t.Run(fmt.Sprintf("dev=%v", dev), func(t *testing.T) {
			r := gittest.New(t)
			files := map[string]string{}
			for i := range 16 {
				files[fmt.Sprintf("d%02d/sub/file.txt", i)] = fmt.Sprintf("file %d\n", i)
			}
			r.CommitFiles(files)
			r.Git("gc", "--quiet") // objects come from a pack
			r.Symlink("d00/sub", "link")
			r.Commit("a symlink")
			var opts []source.Option
			if dev {
				r.Write("d03/sub/file.txt", "changed\n")
				opts = append(opts, source.WithWorktree())
			}
			s, err := source.Open(r.Dir, opts...)
			require.NoError(t, err)

			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i := range 32 {
				wg.Go(func() {
					dir := fmt.Sprintf("d%02d", i%16)
					if _, err := s.Lookup(dir + "/sub/file.txt"); err != nil {
						errs <- err
					}
					if _, err := s.ReadFile("link/file.txt"); err != nil {
						errs <- err
					}
					err := s.Walk(dir, func(e source.Entry) error {
						if !e.IsDir() {
							_, err := s.ReadFile(e.Path)
							return err
						}
						return nil
					})
					if err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err)
			}
			data, err := s.ReadFile("d03/sub/file.txt")
			require.NoError(t, err)
			if dev {
				assert.Equal(t, "changed\n", string(data))
			} else {
				assert.Equal(t, "file 3\n", string(data))
			}
		})
	}
}
