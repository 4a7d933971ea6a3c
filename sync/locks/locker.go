package locks

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Locker takes werf's stage locks on one synchronization backend. It is what the
// stages storage holds between re-checking the repository and pushing a stage.
type Locker struct {
	addr Address
	name func(project, digest string) string
	lock func(ctx context.Context, project, name string) (context.Context, func(), error)
}

// LockStage holds the stage lock of project's digest until release is called.
// The returned context is ctx until the lock is lost (a lease that could not be
// renewed, or was taken over); then it is cancelled with a *LostLeaseError. A
// lock that cannot be had before ctx ends is an error, and nothing is held.
func (l *Locker) LockStage(ctx context.Context, project, digest string) (context.Context, func(), error) {
	name := l.name(project, digest)
	held, release, err := l.lock(ctx, project, name)
	if err != nil {
		return nil, nil, fmt.Errorf("lock %q on %s: %w", name, l.addr, err)
	}
	return held, release, nil
}

// stageLockName is werf's name for the lock of one stage: `<project>.<digest>` on
// file locks and synchronization servers, `<project>/stage/<digest>` on
// Kubernetes.
func stageLockName(kind Kind) func(project, digest string) string {
	if kind == Kubernetes {
		return func(project, digest string) string { return project + "/stage/" + digest }
	}
	return func(project, digest string) string { return project + "." + digest }
}

// LostLeaseError is the cause a held context is cancelled with when its lock is lost.
type LostLeaseError struct {
	Lock   string
	Reason string
}

func (e *LostLeaseError) Error() string {
	return fmt.Sprintf("the lock %q was lost (%s): another builder may publish the same stage; build again", e.Lock, e.Reason)
}

// IsLostLease reports whether err comes from a lost lock.
func IsLostLease(err error) bool {
	var lost *LostLeaseError
	return errors.As(err, &lost)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
