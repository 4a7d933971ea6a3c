// Package once computes a value per key a single time, however many goroutines
// ask for it at once: the ones that come while it is computed wait for it. It
// remembers every value and error; it never forgets one.
package once

import "sync"

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
	return r.value, r.err
}
