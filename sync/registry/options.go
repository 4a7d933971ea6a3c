package registry

import (
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dagwerf/dagwerf/sync/registry/internal/stall"
)

// Option configures a Storage.
type Option func(*options)

type options struct {
	caches        []string
	secondaries   []string
	final         string
	metaRepo      string
	locker        StageLocker
	keychain      authn.Keychain
	credentials   map[string]authn.AuthConfig
	insecure      []string
	skipTLSVerify []string
	transport     http.RoundTripper
	backoff       remote.Backoff
	timeout       time.Duration
	stall         time.Duration
	pageSize      int
	maxTagPages   int
	userAgent     string
	now           func() time.Time
	warn          func(string)
}

// WithCacheRepos are --cache-repo repositories: read before --repo, filled after
// each new stage, never the authority on what exists.
func WithCacheRepos(repos ...string) Option {
	return func(o *options) { o.caches = append(o.caches, repos...) }
}

// WithSecondaryRepos are read-only --secondary-repo repositories: a stage found
// there is copied into --repo.
func WithSecondaryRepos(repos ...string) Option {
	return func(o *options) { o.secondaries = append(o.secondaries, repos...) }
}

// WithMetaRepo is --meta-repo: the repository werf v3 keeps a --repo's records
// in when --repo carries its marker saying so.
func WithMetaRepo(repo string) Option { return func(o *options) { o.metaRepo = repo } }

// WithFinalRepo is --final-repo: final images are copied there under the same tag.
func WithFinalRepo(repo string) Option { return func(o *options) { o.final = repo } }

// WithLocker serializes publishing across builders (--synchronization). Without
// one, publishing is serialized within this process only.
func WithLocker(l StageLocker) Option { return func(o *options) { o.locker = l } }

// WithKeychain resolves credentials that WithCredentials does not give; the
// default is the Docker config keychain ($DOCKER_CONFIG, ~/.docker/config.json).
// A keychain that is also a KeychainSource names its source in refusals.
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// KeychainSource is a keychain that can say which credentials it gives a
// registry host ("with credentials from …", "anonymously (…)"), so that a 401
// names what to fix.
type KeychainSource interface {
	Describe(host string) string
}

// WithCredentials gives a username and password for one registry host, before
// any keychain.
func WithCredentials(host, username, password string) Option {
	return func(o *options) {
		if o.credentials == nil {
			o.credentials = map[string]authn.AuthConfig{}
		}
		o.credentials[host] = authn.AuthConfig{Username: username, Password: password}
	}
}

// WithInsecureRegistries lets these hosts be spoken to over plain HTTP
// (--insecure-registry).
func WithInsecureRegistries(hosts ...string) Option {
	return func(o *options) { o.insecure = append(o.insecure, hosts...) }
}

// WithSkipTLSVerify accepts any TLS certificate from these hosts
// (--skip-tls-verify-registry).
func WithSkipTLSVerify(hosts ...string) Option {
	return func(o *options) { o.skipTLSVerify = append(o.skipTLSVerify, hosts...) }
}

// WithTransport replaces the HTTP transport under retries and authentication.
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithRetryBackoff sets how retried calls wait (5xx, 429, dropped connections).
func WithRetryBackoff(b remote.Backoff) Option { return func(o *options) { o.backoff = b } }

// WithRequestTimeout bounds how long a request may wait for the registry to start
// answering; a slow transfer is not cut, one that stops is (WithStallTimeout).
func WithRequestTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithStallTimeout bounds how long the body of an answer may go without a byte
// (manifests, blobs, tag lists, the answers to pushes); a registry that stops
// sending fails the call with ErrStalled.
func WithStallTimeout(d time.Duration) Option { return func(o *options) { o.stall = d } }

// WithClock replaces time.Now for stage creation times.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithWarnings receives the problems that do not fail a build (a cache repo that
// cannot be filled, say).
func WithWarnings(warn func(string)) Option { return func(o *options) { o.warn = warn } }

// WithUserAgent names the client to registries.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// Defaults: werf's page size (ECR refuses more than 1000), backoff from one
// second, a minute for a registry to start answering and a minute for each
// byte of an answer after that. Ten thousand pages (ten million tags) is more
// than any repository holds, and still ends a listing whose Link headers do not.
const (
	defaultPageSize     = 1000
	defaultMaxTagPages  = 10000
	defaultTimeout      = time.Minute
	defaultStallTimeout = time.Minute
)

var defaultBackoff = remote.Backoff{Duration: time.Second, Factor: 3, Jitter: 0.1, Steps: 4}

// retryStatusCodes are go-containerregistry's and 429 Too Many Requests.
var retryStatusCodes = []int{
	http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
	http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, 499, 522,
}

func newOptions(opts []Option) *options {
	o := &options{
		keychain:    authn.DefaultKeychain,
		backoff:     defaultBackoff,
		timeout:     defaultTimeout,
		stall:       defaultStallTimeout,
		pageSize:    defaultPageSize,
		maxTagPages: defaultMaxTagPages,
		now:         time.Now,
		warn:        func(string) {},
	}
	for _, opt := range opts {
		opt(o)
	}
	if o.locker == nil {
		o.locker = newProcessLocker()
	}
	return o
}

// remoteOptions are the go-containerregistry options for one registry host.
func (o *options) remoteOptions(host string) []remote.Option {
	opts := []remote.Option{
		remote.WithAuthFromKeychain(o.authKeychain()),
		remote.WithTransport(o.httpTransport(host)),
		remote.WithRetryBackoff(o.backoff),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithPageSize(o.pageSize),
	}
	if o.userAgent != "" {
		opts = append(opts, remote.WithUserAgent(o.userAgent))
	}
	return opts
}

func (o *options) authKeychain() authn.Keychain {
	if len(o.credentials) == 0 {
		return o.keychain
	}
	return authn.NewMultiKeychain(staticKeychain(o.credentials), o.keychain)
}

// httpTransport is the transport for one host: a timeout for the first response
// byte and one for each byte of the body after it, TLS verification unless the
// host is exempt, and Retry-After honoured.
func (o *options) httpTransport(host string) http.RoundTripper {
	if o.transport != nil {
		return &stall.Transport{Inner: &retryAfter{inner: o.transport}, Timeout: o.stall}
	}
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = o.timeout
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	if slices.Contains(o.skipTLSVerify, host) {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with --skip-tls-verify-registry
		t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &stall.Transport{Inner: &retryAfter{inner: t}, Timeout: o.stall}
}

// credentialSource says which credentials a host was given, for refusals.
func (o *options) credentialSource(host string) string {
	if _, ok := o.credentials[host]; ok {
		return "with the username and password given for " + host
	}
	if d, ok := o.keychain.(KeychainSource); ok {
		return d.Describe(host)
	}
	reg, err := name.NewRegistry(host)
	if err == nil {
		if auth, err := o.keychain.Resolve(reg); err == nil && auth == authn.Anonymous {
			return "anonymously (no credentials for " + host + " in the Docker config)"
		}
	}
	return "with credentials from the Docker config"
}

// staticKeychain gives the credentials of WithCredentials by registry host.
type staticKeychain map[string]authn.AuthConfig

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if cfg, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}
