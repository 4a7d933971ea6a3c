package registry

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// repoComponent is one path component of a repository name, as the
// distribution spec has it; go-containerregistry checks only the characters.
var repoComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)

// hostLabel is one dot-separated label of a registry host name.
var hostLabel = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`)

// CheckRepoAddress checks a repository address as the user gave it with flag
// (--repo, --final-repo, --cache-repo, --secondary-repo): HOST[:PORT]/NAME[/NAME...],
// or a Docker Hub NAME[/NAME...]. go-containerregistry takes much that no
// registry serves ("host//app" is listed as /v2//app/tags/list, answered 404,
// and every stage rebuilt; "http://x" is the host "http"), so such addresses
// are refused here, before any request, in one sentence naming flag and value.
func CheckRepoAddress(flag, address string) error {
	if address == "" {
		return fmt.Errorf("%s: empty repository", flag)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s %q: "+format, append([]any{flag, address}, args...)...)
	}
	if scheme, _, ok := strings.Cut(address, "://"); ok {
		return fail("a repository address takes no scheme; drop %q (for a plain-HTTP registry give --insecure-registry)", scheme+"://")
	}
	if i := strings.IndexByte(address, '@'); i >= 0 {
		return fail("a repository address takes no tag or digest; drop %q", address[i:])
	}
	parts := strings.Split(address, "/")
	for _, p := range parts {
		if p == "" {
			return fail(`the repository address has an empty path segment; write it without doubled, leading or trailing "/", as HOST[:PORT]/NAME[/NAME...]`)
		}
	}
	// The first part is a registry host when it has a dot or a colon, as
	// go-containerregistry (and docker) decide; else the name is Docker Hub's.
	path := parts
	if len(parts) > 1 && strings.ContainsAny(parts[0], ".:") {
		if !validHost(parts[0]) {
			return fail("%q is not a registry host; write HOST[:PORT], as in registry.example.com:5000", parts[0])
		}
		path = parts[1:]
	}
	last := path[len(path)-1]
	if i := strings.IndexByte(last, ':'); i >= 0 && len(path) < len(parts) {
		return fail("a repository address takes no tag or digest; drop %q", last[i:])
	}
	for _, p := range path {
		if !repoComponent.MatchString(p) {
			return fail(`%q is not a repository name; use lower-case letters and digits, separated by ".", "_", "__" or "-", as in registry.example.com/group/app`, p)
		}
	}
	if name := strings.Join(path, "/"); len(name) < 2 {
		// go-containerregistry cannot name a repository of one character.
		return fail("a repository name of one character (%q) is not supported; use a longer one", name)
	}
	return nil
}

// validHost is host or host:port, with a host name, an IPv4 address or an
// IPv6 one in brackets.
func validHost(s string) bool {
	host := s
	if strings.HasPrefix(s, "[") || strings.Contains(s, ":") {
		h, port, err := net.SplitHostPort(s)
		if err != nil {
			return false
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		if strings.HasPrefix(s, "[") {
			return net.ParseIP(h) != nil
		}
		host = h
	}
	for _, label := range strings.Split(host, ".") {
		if !hostLabel.MatchString(label) {
			return false
		}
	}
	return true
}
