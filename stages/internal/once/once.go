// Package once computes a value per key a single time, however many goroutines
// ask for it at once: the ones that come while it is computed wait for it. It
// remembers every value and error, but for the error of a cancelled or expired
// context, which says nothing about the key: the next Get computes again.
package once

import (
	"context"
	"errors"
	"sync"
)

// Map holds a value per key. Its zero value is ready to use; it must not be
// copied after first use.
type Map[K comparable, V any] struct {
	mu      sync.Mutex
	results map[K]*result[V]
}

type result[V any] struct {
	once  sync.Once
	value V
	err   error
}

// Get is the value for key: computed by compute on the first call for the key,
// the same value (or error) for every other call.
func (m *Map[K, V]) Get(key K, compute func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.results == nil {
		m.results = map[K]*result[V]{}
	}
	r, ok := m.results[key]
	if !ok {
		r = &result[V]{}
		m.results[key] = r
	}
	m.mu.Unlock()
	r.once.Do(func() { r.value, r.err = compute() })
	if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
		m.mu.Lock()
		if m.results[key] == r {
			delete(m.results, key)
		}
		m.mu.Unlock()
	}
	return r.value, r.err
}
