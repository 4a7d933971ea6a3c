package locks

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Kind is a synchronization backend.
type Kind int

const (
	Local      Kind = iota // OS file locks on this machine
	HTTP                   // a synchronization server
	Kubernetes             // annotations on a ConfigMap
)

// LocalAddress is the --synchronization value of file locks.
const LocalAddress = ":local"

// DefaultServerPort is where a synchronization server listens by default.
const DefaultServerPort = 55581

// Address is a parsed --synchronization value.
type Address struct {
	Kind Kind

	URL string // HTTP: scheme://host[:port]

	Namespace    string // Kubernetes
	Context      string // Kubernetes: the kubeconfig context, "" for the current one
	ConfigPath   string // Kubernetes: a kubeconfig file
	ConfigBase64 string // Kubernetes: kubeconfig data, base64 (a secret: never printed)
}

var namespacePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ParseAddress reads a --synchronization value: `:local`, `http(s)://HOST[:PORT]`
// or `kubernetes://NAMESPACE[:CONTEXT][@base64:CONFIG|@PATH]`.
func ParseAddress(s string) (Address, error) {
	switch {
	case s == LocalAddress:
		return Address{Kind: Local}, nil
	case strings.HasPrefix(s, "http://"), strings.HasPrefix(s, "https://"):
		return parseHTTP(s)
	case strings.HasPrefix(s, "kubernetes://"):
		return parseKubernetes(strings.TrimPrefix(s, "kubernetes://"))
	}
	return Address{}, fmt.Errorf("--synchronization %q: expected %s, http(s)://HOST[:PORT] or kubernetes://NAMESPACE[:CONTEXT][@base64:CONFIG|@PATH]", redactAddress(s), LocalAddress)
}

func parseHTTP(s string) (Address, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Address{}, fmt.Errorf("--synchronization %q: %w", s, err)
	}
	switch {
	case u.Host == "":
		return Address{}, fmt.Errorf("--synchronization %q: no host", s)
	case u.User != nil:
		return Address{}, fmt.Errorf("--synchronization %q: credentials in the address are not supported", redactAddress(s))
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return Address{}, fmt.Errorf("--synchronization %q: give only scheme://host[:port]; the server's paths are fixed", s)
	}
	return Address{Kind: HTTP, URL: u.Scheme + "://" + u.Host}, nil
}

func parseKubernetes(s string) (Address, error) {
	a := Address{Kind: Kubernetes}
	target, config, hasConfig := strings.Cut(s, "@")
	a.Namespace, a.Context, _ = strings.Cut(target, ":")
	if !namespacePattern.MatchString(a.Namespace) || len(a.Namespace) > 63 {
		return Address{}, fmt.Errorf("--synchronization kubernetes://%s: %q is not a namespace name (lower-case letters, digits and inner dashes, at most 63 characters)", redactKubernetes(s), a.Namespace)
	}
	if !hasConfig {
		return a, nil
	}
	if data, ok := strings.CutPrefix(config, "base64:"); ok {
		if _, err := base64.StdEncoding.DecodeString(data); err != nil || data == "" {
			return Address{}, fmt.Errorf("--synchronization kubernetes://%s: the kubeconfig after base64: is not base64 data", redactKubernetes(s))
		}
		a.ConfigBase64 = data
		return a, nil
	}
	if config == "" {
		return Address{}, fmt.Errorf("--synchronization kubernetes://%s: no kubeconfig path after @", s)
	}
	a.ConfigPath = config
	return a, nil
}

// String is the address as given, with kubeconfig data left out.
func (a Address) String() string {
	switch a.Kind {
	case HTTP:
		return a.URL
	case Kubernetes:
		s := "kubernetes://" + a.Namespace
		if a.Context != "" {
			s += ":" + a.Context
		}
		switch {
		case a.ConfigBase64 != "":
			s += "@base64:…"
		case a.ConfigPath != "":
			s += "@" + a.ConfigPath
		}
		return s
	}
	return LocalAddress
}

// redactAddress hides what could be a secret in an address an error repeats.
func redactAddress(s string) string {
	if rest, ok := strings.CutPrefix(s, "kubernetes://"); ok {
		return "kubernetes://" + redactKubernetes(rest)
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

func redactKubernetes(s string) string {
	if target, config, ok := strings.Cut(s, "@"); ok && strings.HasPrefix(config, "base64:") {
		return target + "@base64:…"
	}
	return s
}
