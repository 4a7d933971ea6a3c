package registry

import (
	"context"
	"sync"
)

// StageLocker serializes the publishing of one stage across builders: between
// the re-check of --repo and the push, no other builder publishes the same
// digest. Package sync/locks provides lockers over lockgate's backends.
type StageLocker interface {
	// LockStage blocks until the project's lock on digest is held or ctx ends. The
	// returned context is ctx until the lock is lost, then it is cancelled with
	// the cause; release frees the lock.
	LockStage(ctx context.Context, project, digest string) (held context.Context, release func(), err error)
}

// processLocker serializes publishing within this process only: enough for one
// builder, not for several.
type processLocker struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

func newProcessLocker() *processLocker { return &processLocker{locks: map[string]chan struct{}{}} }

func (l *processLocker) LockStage(ctx context.Context, project, digest string) (context.Context, func(), error) {
	key := project + "." + digest
	for {
		l.mu.Lock()
		ch, busy := l.locks[key]
		if !busy {
			ch = make(chan struct{})
			l.locks[key] = ch
			l.mu.Unlock()
			var once sync.Once
			return ctx, func() {
				once.Do(func() {
					l.mu.Lock()
					delete(l.locks, key)
					l.mu.Unlock()
					close(ch)
				})
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}
