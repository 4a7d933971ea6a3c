package buildcontext

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// Several platforms of one image ask for the same sources at once: the context
// is walked once for them all.
func TestChecksumConcurrentCallsWalkOnce(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"Dockerfile": "FROM alpine\n", "src/a.go": "package a\n", "src/sub/b.go": "package b\n"})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	c, err := New(s, "")
	require.NoError(t, err)

	const callers = 16
	sums := make([]string, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			sums[i], errs[i] = c.Checksum(t.Context(), []string{"src"})
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, sums[0], sums[i])
	}
	assert.Equal(t, int64(1), c.walks.Load())

	_, err = c.Checksum(t.Context(), []string{"src/sub"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), c.walks.Load(), "other sources are walked on their own")
}
