package locks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/werf/lockgate"
	"github.com/werf/lockgate/pkg/file_locker"
)

// filePoll is how often a waiter tries a file lock again (lockgate's own pace).
const filePoll = 500 * time.Millisecond

// fileLocks are OS file locks (flock) in one directory, through lockgate's file
// locker. A holder that dies releases its locks with its file descriptors, at
// once; there is no lease to lose.
type fileLocks struct {
	locker *file_locker.FileLocker
	poll   time.Duration
}

func newFileLocks(dir string) (*fileLocks, error) {
	l, err := file_locker.NewFileLocker(dir)
	if err != nil {
		return nil, fmt.Errorf("lock directory: %w", err)
	}
	return &fileLocks{locker: l, poll: filePoll}, nil
}

// lock tries the lock without blocking until it is had or ctx ends: lockgate's
// blocking acquire can neither be cancelled nor relied on after a timeout.
func (f *fileLocks) lock(ctx context.Context, name string) (context.Context, func(), error) {
	for {
		acquired, handle, err := f.locker.Acquire(name, lockgate.AcquireOptions{NonBlocking: true})
		if err == nil && acquired {
			var once sync.Once
			return ctx, func() { once.Do(func() { _ = f.locker.Release(handle) }) }, nil
		}
		_ = f.locker.Release(handle) // forget the attempt; releasing what is not held is a no-op
		if err != nil {
			return nil, nil, err
		}
		if err := sleep(ctx, f.poll); err != nil {
			return nil, nil, fmt.Errorf("waiting for another builder: %w", err)
		}
	}
}
