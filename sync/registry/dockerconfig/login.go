package dockerconfig

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Option configures a login.
type Option func(*options)

type options struct {
	insecure  bool
	hosts     *InsecureHosts
	transport http.RoundTripper
	userAgent string
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

func newOptions(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// roundTripper retries what a busy registry or token server refuses for now
// (429, 5xx) but never a refusal of the credentials.
func (o *options) roundTripper() http.RoundTripper {
	t := o.transport
	if t == nil {
		t = remote.DefaultTransport
	}
	t = transport.NewRetry(t, transport.WithRetryStatusCodes(
		http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout))
	return transport.NewUserAgent(t, o.userAgent)
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
