package locks_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/locks"
)

var digest = strings.Repeat("a", 56)

// Builder processes contending for one digest hold it one at a time.
func TestLocalLocksAcrossProcesses(t *testing.T) {
	t.Parallel()
	home, log := t.TempDir(), filepath.Join(t.TempDir(), "holds.log")
	env := map[string]string{"CHILD_ADDR": ":local", "CHILD_HOME": home, "CHILD_LOG": log, "CHILD_HOLD": "200ms"}
	var children []*childProcess
	for range 4 {
		children = append(children, startChild(t, env))
	}
	for _, c := range children {
		require.NoError(t, c.cmd.Wait())
	}

	type hold struct{ start, end int64 }
	holds := map[string]*hold{}
	data, err := os.ReadFile(log)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		require.Len(t, f, 3, line)
		at, err := strconv.ParseInt(f[2], 10, 64)
		require.NoError(t, err)
		if holds[f[1]] == nil {
			holds[f[1]] = &hold{}
		}
		if f[0] == "start" {
			holds[f[1]].start = at
		} else {
			holds[f[1]].end = at
		}
	}
	require.Len(t, holds, 4, "every process held the lock once")
	var sorted []*hold
	for _, h := range holds {
		sorted = append(sorted, h)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].start < sorted[j].start })
	for i := 1; i < len(sorted); i++ {
		assert.GreaterOrEqual(t, sorted[i].start, sorted[i-1].end, "one holder at a time")
	}
}

// A holder killed with SIGKILL frees the lock at once: the kernel drops its flock.
func TestLocalLockFreedWhenTheHolderIsKilled(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	holder := startChild(t, map[string]string{"CHILD_ADDR": ":local", "CHILD_HOME": home, "CHILD_LOG": filepath.Join(t.TempDir(), "log"), "CHILD_HOLD": "1h"})
	holder.waitAcquired(t)

	l, err := locks.New(locks.Address{Kind: locks.Local}, locks.WithHomeDir(home))
	require.NoError(t, err)
	busy, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, _, err = l.LockStage(busy, "shop", digest)
	require.Error(t, err, "held by the child")
	assert.Contains(t, err.Error(), `lock "shop.`+digest+`" on :local: waiting for another builder: context deadline exceeded`)

	require.NoError(t, holder.cmd.Process.Kill())
	_ = holder.cmd.Wait()
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	held, release, err := l.LockStage(ctx, "shop", digest)
	require.NoError(t, err)
	assert.NoError(t, held.Err())
	release()
	release() // twice is harmless
}

func TestLocalLocksAreFilesUnderTheHome(t *testing.T) {
	home := t.TempDir()
	l, err := locks.New(locks.Address{Kind: locks.Local}, locks.WithHomeDir(home))
	require.NoError(t, err)
	_, release, err := l.LockStage(context.Background(), "shop", digest)
	require.NoError(t, err)
	defer release()
	entries, err := os.ReadDir(filepath.Join(home, "locks"))
	require.NoError(t, err)
	assert.Len(t, entries, 1)

	_, releaseOther, err := l.LockStage(context.Background(), "shop", strings.Repeat("b", 56))
	require.NoError(t, err, "another digest is another lock")
	releaseOther()
}
