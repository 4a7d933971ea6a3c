package registry

import (
	"net/http"
	"strconv"
	"time"
)

// maxRetryAfter bounds how long a registry's Retry-After may hold a request.
const maxRetryAfter = 30 * time.Second

// retryAfter waits as long as a 429 or 503 answer's Retry-After asks (within
// reason) before handing the answer to go-containerregistry's retries, so that a
// rate-limited registry is not asked again too soon.
type retryAfter struct {
	inner http.RoundTripper
}

func (t *retryAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.inner.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	wait := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if wait <= 0 {
		return resp, nil
	}
	timer := time.NewTimer(min(wait, maxRetryAfter))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-req.Context().Done():
	}
	return resp, nil
}

// parseRetryAfter reads seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(now)
	}
	return 0
}
