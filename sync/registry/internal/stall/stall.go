// Package stall bounds how long a registry may go without sending a byte of an
// answer's body. http.Transport's timeouts end with the response headers: a
// registry, or a proxy before it, that then drips its body (or stops sending
// it) would hold a build for ever.
package stall

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// ErrStalled is an answer whose body stopped coming.
var ErrStalled = errors.New("the registry stopped sending")

// Error is an answer whose body stopped coming; it is ErrStalled. It is no
// temporary network error, so go-containerregistry does not ask again: each
// attempt would cost another Timeout.
type Error struct {
	Host    string
	Method  string
	Path    string
	Timeout time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("registry %s stopped sending: no data for %s while reading the answer to %s %s; check the registry (and any proxy before it), then try again", e.Host, e.Timeout, e.Method, e.Path)
}

func (e *Error) Is(target error) bool { return target == ErrStalled }

// Transport gives every response body of Inner a stall timeout: a Read that
// gets no byte for Timeout cancels the request, which drops the connection, and
// fails with an *Error. Only time spent inside Read counts, so a caller that
// reads slowly (streaming a blob on to another registry, say) is never cut.
type Transport struct {
	Inner   http.RoundTripper
	Timeout time.Duration // 0 or less: no bound
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Timeout <= 0 {
		return t.Inner.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	resp, err := t.Inner.RoundTrip(req.WithContext(ctx))
	if err != nil || resp.Body == nil || resp.Body == http.NoBody {
		cancel(nil)
		return resp, err
	}
	resp.Body = &body{
		rc:     resp.Body,
		cancel: cancel,
		stall:  &Error{Host: req.URL.Host, Method: req.Method, Path: req.URL.Path, Timeout: t.Timeout},
	}
	return resp, nil
}

// body bounds each Read of rc by a timer of its own, which cancels the request
// only while that Read is still under way.
type body struct {
	rc     io.ReadCloser
	cancel context.CancelCauseFunc
	stall  *Error

	mu      sync.Mutex
	reading uint64 // the Read under way, by number; 0 between Reads
	reads   uint64
	stalled bool
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.stalled {
		b.mu.Unlock()
		return 0, b.stall
	}
	b.reads++
	this := b.reads
	b.reading = this
	b.mu.Unlock()

	timer := time.AfterFunc(b.stall.Timeout, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.reading == this { // not a timer that fired as its Read returned
			b.stalled = true
			b.cancel(b.stall)
		}
	})
	n, err := b.rc.Read(p)
	timer.Stop()

	b.mu.Lock()
	defer b.mu.Unlock()
	b.reading = 0
	if b.stalled {
		return n, b.stall // whatever the cancelled read says, this is why
	}
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.cancel(nil)
	return err
}
