package dockerconfig

import "time"

// WithTimeout shortens every bound of a login (connection, TLS handshake,
// headers, each byte of a body), so that a test of a silent registry is fast.
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.dial, o.handshake, o.headers, o.stall = d, d, d, d }
}
