package dockerconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/dagwerf/dagwerf/sync/registry/internal/stall"
)

// Option configures a login.
type Option func(*options)

type options struct {
	insecure  bool
	hosts     *InsecureHosts
	transport http.RoundTripper
	userAgent string
	dial      time.Duration
	handshake time.Duration
	headers   time.Duration
	stall     time.Duration
}

// WithInsecure lets the registry be spoken to over plain HTTP (--insecure-registry);
// with WithInsecureHosts, a successful login remembers that for later runs.
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

// WithInsecureHosts is where plain-HTTP hosts are remembered; a host found there
// is spoken to over plain HTTP without WithInsecure.
func WithInsecureHosts(h InsecureHosts) Option { return func(o *options) { o.hosts = &h } }

// WithTransport replaces the HTTP transport under retries and authentication.
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithUserAgent names the client to the registry.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// A login is bounded at every step, as builds are, so that a registry that
// accepts the connection and then says nothing cannot hold it: connecting,
// the TLS handshake, the wait for the headers, and each byte of a body.
const (
	defaultDialTimeout      = 30 * time.Second
	defaultHandshakeTimeout = 10 * time.Second
	defaultHeaderTimeout    = time.Minute
	defaultStallTimeout     = time.Minute
)

func newOptions(opts []Option) *options {
	o := &options{dial: defaultDialTimeout, handshake: defaultHandshakeTimeout, headers: defaultHeaderTimeout, stall: defaultStallTimeout}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// roundTripper retries what a busy registry or token server refuses for now
// (429, 5xx) but never a refusal of the credentials, nor a registry that did
// not answer in time: each attempt would wait as long again.
func (o *options) roundTripper() http.RoundTripper {
	t := o.transport
	if t == nil {
		ht := remote.DefaultTransport.(*http.Transport).Clone()
		ht.DialContext = (&net.Dialer{Timeout: o.dial, KeepAlive: 30 * time.Second}).DialContext
		ht.TLSHandshakeTimeout = o.handshake
		ht.ResponseHeaderTimeout = o.headers
		t = ht
	}
	t = &stall.Transport{Inner: t, Timeout: o.stall}
	t = transport.NewRetry(t, transport.WithRetryPredicate(retryable), transport.WithRetryStatusCodes(
		http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout))
	return transport.NewUserAgent(t, o.userAgent)
}

// retryable is go-containerregistry's test (a temporary error, which a retried
// status code is too) less timeouts.
func retryable(err error) bool {
	if isTimeout(err) {
		return false
	}
	te, ok := err.(interface{ Temporary() bool })
	return ok && te.Temporary()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// ErrRefused is a registry refusing the username and password (401 or 403).
var ErrRefused = errors.New("wrong username or password")

// ErrNoUsername is a login without a username: registries take a token as the
// password of some user, and werf refuses such a login too.
var ErrNoUsername = errors.New("a username is needed (-u): registries take a token as the password of a user (werf refuses a login without one too)")

var errNoPassword = errors.New("a password or token is needed (--password-stdin or -p)")

func (o *options) insecureFor(host string) bool {
	if o.insecure || o.hosts == nil {
		return o.insecure
	}
	marked, err := o.hosts.Select(host)
	return err == nil && len(marked) > 0
}

// verify checks credentials with the registry, as docker login does: it pings
// /v2/, follows the challenge (for a bearer challenge, the token exchange with
// the username and password), and reads /v2/ with the result. A 401 or 403 on
// the way is ErrRefused. The password is never part of an error.
func (o *options) verify(ctx context.Context, srv Server, username, password string, insecure bool) error {
	switch {
	case username == "":
		return fmt.Errorf("%s: %w", srv.Host, ErrNoUsername)
	case password == "":
		return fmt.Errorf("%s: %w", srv.Host, errNoPassword)
	}
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	reg, err := name.NewRegistry(srv.Host, nameOpts...)
	if err != nil {
		return fmt.Errorf("%s: not a registry host: %w", srv.Host, err)
	}
	auth := authn.FromConfig(authn.AuthConfig{Username: username, Password: password})
	rt, err := transport.NewWithContext(ctx, reg, auth, o.roundTripper(), nil)
	if err != nil {
		return refusal(srv, insecure, err)
	}
	// A basic challenge checks nothing by itself: the credentials are tried only
	// once a request carries them.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("%s: %w", srv.Host, err)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return refusal(srv, insecure, err)
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return refusal(srv, insecure, err)
	}
	return nil
}

// refusal names the registry in a failed login, and tells a refusal of the
// credentials from a registry that could not be reached.
func refusal(srv Server, insecure bool, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		from := ""
		if terr.Request != nil && terr.Request.URL != nil {
			u := *terr.Request.URL
			u.RawQuery, u.User = "", nil
			from = " from " + u.String()
		}
		return fmt.Errorf("%s: %w (%d %s%s)", srv.Host, ErrRefused, terr.StatusCode, http.StatusText(terr.StatusCode), from)
	}
	if isTimeout(err) {
		return fmt.Errorf("%s: the registry did not answer in time; check the address and that the registry is up: %w", srv.Host, err)
	}
	if !insecure && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("%s: %w; for a plain-HTTP registry give --insecure-registry", srv.Host, err)
	}
	return fmt.Errorf("%s: %w", srv.Host, err)
}

// Login verifies credentials with the registry and stores them in the Docker
// config of d; with WithInsecure and WithInsecureHosts it remembers the host as
// plain HTTP. Nothing is written when the registry refuses them. It returns
// where the credentials went, for messages.
func Login(ctx context.Context, d Dir, srv Server, username, password string, opts ...Option) (string, error) {
	o := newOptions(opts)
	if err := o.verify(ctx, srv, username, password, o.insecureFor(srv.Host)); err != nil {
		return "", err
	}
	where, err := d.Store(srv, username, password)
	if err != nil {
		return "", err
	}
	if o.insecure && o.hosts != nil {
		if err := o.hosts.Add(srv.Host); err != nil {
			return where, fmt.Errorf("logged in, but: %w", err)
		}
	}
	return where, nil
}

// Logout erases a server's credentials from the Docker config of d, and only
// those; found is false when there were none. Hosts remembered as plain HTTP
// stay so: that is how the registry is reached, not who may use it.
func Logout(d Dir, srv Server) (found bool, err error) { return d.Erase(srv) }
