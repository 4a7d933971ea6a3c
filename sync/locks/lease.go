package locks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/werf/lockgate"
	"github.com/werf/lockgate/pkg/distributed_locker"
)

// Timings of a distributed lock, werf's: the backend keeps a lease ten seconds
// (nine and a bit, counting its truncation to seconds), a holder renews it every
// three, a waiter asks every two.
type timings struct {
	poll         time.Duration // a waiter asks again after this
	renew        time.Duration // a holder renews this often
	ttl          time.Duration // a lease not renewed this long is gone
	call         time.Duration // one backend call may take this long
	acquireTries int           // consecutive failed calls before acquiring gives up
}

var defaultTimings = timings{poll: 2 * time.Second, renew: 3 * time.Second, ttl: 9 * time.Second, call: 10 * time.Second, acquireTries: 10}

// leases are locks held as renewable leases on a lockgate backend: a
// synchronization server or a Kubernetes ConfigMap. The loop is dagwerf's, over
// lockgate's backend: it waits and renews with a context, and on a lost lease
// cancels the holder instead of crashing the process.
type leases struct {
	backend distributed_locker.DistributedLockerBackend
	t       timings
	redact  func(string) string // hides what errors must not show (a client ID)
}

func (l *leases) errorf(err error) error {
	if err == nil || l.redact == nil {
		return err
	}
	return errors.New(l.redact(err.Error()))
}

// call runs one backend call, abandoning it when ctx ends or it takes too long
// (lockgate's calls take no context); abandoned then receives its late result.
func call[T any](ctx context.Context, timeout time.Duration, fn func() (T, error), abandoned func(T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-timer.C:
		err = fmt.Errorf("no answer within %s", timeout)
	}
	if abandoned != nil {
		go func() { r := <-done; abandoned(r.v, r.err) }()
	}
	var zero T
	return zero, err
}

func (l *leases) lock(ctx context.Context, name string) (context.Context, func(), error) {
	failures := 0
	var lastErr error
	for {
		handle, err := call(ctx, l.t.call, func() (lockgate.LockHandle, error) {
			return l.backend.Acquire(name, distributed_locker.AcquireOptions{})
		}, func(h lockgate.LockHandle, err error) {
			if err == nil { // acquired after we stopped waiting: give it back
				_ = l.backend.Release(h)
			}
		})
		switch {
		case err == nil:
			return l.hold(ctx, name, handle)
		case ctx.Err() != nil:
			return nil, nil, waitError(ctx, lastErr)
		case distributed_locker.IsErrShouldWait(err):
			failures = 0
		default:
			// The backend is unreachable or failing (a server restarting, say):
			// keep waiting a while, then give up with its answer.
			if failures++; failures >= l.t.acquireTries {
				return nil, nil, fmt.Errorf("the synchronization backend keeps failing: %w", l.errorf(err))
			}
			lastErr = l.errorf(err)
		}
		if err := sleep(ctx, l.t.poll); err != nil {
			return nil, nil, waitError(ctx, lastErr)
		}
	}
}

func waitError(ctx context.Context, last error) error {
	if last != nil {
		return fmt.Errorf("waiting for another builder: %w (last backend error: %v)", ctx.Err(), last)
	}
	return fmt.Errorf("waiting for another builder: %w", ctx.Err())
}

// hold renews the lease until release; a lease that cannot be renewed in time, or
// that the backend says is someone else's, is lost and cancels the holder.
func (l *leases) hold(ctx context.Context, name string, handle lockgate.LockHandle) (context.Context, func(), error) {
	held, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	stopped := make(chan struct{})
	lost := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(l.t.renew)
		defer ticker.Stop()
		lastOK := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-ticker.C:
			}
			_, err := call(context.Background(), l.t.call, func() (struct{}, error) {
				return struct{}{}, l.backend.RenewLease(handle)
			}, nil)
			var reason string
			switch {
			case err == nil:
				lastOK = time.Now()
				continue
			case distributed_locker.IsErrLockAlreadyLeased(err), distributed_locker.IsErrNoExistingLockLeaseFound(err):
				reason = "the backend gave it to another holder: " + err.Error()
			case time.Since(lastOK) >= l.t.ttl:
				reason = fmt.Sprintf("not renewed for %s: %v", time.Since(lastOK).Round(time.Second), l.errorf(err))
			default:
				continue // a passing failure: the lease still has time
			}
			close(lost)
			cancel(&LostLeaseError{Lock: name, Reason: reason})
			return
		}
	}()
	var once sync.Once
	release := func() {
		once.Do(func() {
			close(stop)
			<-stopped
			select {
			case <-lost: // nothing of ours left to release
			default:
				_, _ = call(context.Background(), l.t.call, func() (struct{}, error) {
					return struct{}{}, l.backend.Release(handle)
				}, nil)
			}
			cancel(nil)
		})
	}
	return held, release, nil
}

// redactor hides a secret (a synchronization client ID) in error text.
func redactor(secret string) func(string) string {
	if secret == "" {
		return nil
	}
	return func(s string) string { return strings.ReplaceAll(s, secret, "<client-id>") }
}
