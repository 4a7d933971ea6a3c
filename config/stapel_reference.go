package config

import (
	"regexp"
	"strings"
)

// hasTagOrDigest reports whether an import's source names a registry image
// rather than an image of werf.yaml: werf (pkg/config/raw_import.go) takes it as
// external when it parses as a normalized Docker reference that carries a tag or
// a digest. What follows is the grammar of github.com/distribution/reference
// v0.5.0, the version werf v2.77.1 uses, reduced to that question.
func hasTagOrDigest(s string) bool {
	if hexIdentifier.MatchString(s) {
		return false // a 64-hex image ID is never a repository name
	}
	domain, remainder := splitDockerDomain(s)
	remote, _, _ := strings.Cut(remainder, ":")
	if strings.ToLower(remote) != remote {
		return false
	}
	m := referencePattern.FindStringSubmatch(domain + "/" + remainder)
	if m == nil || len(m[1]) > maxReferenceName {
		return false
	}
	if m[3] != "" && !validDigest(m[3]) {
		return false
	}
	return m[2] != "" || m[3] != ""
}

// maxReferenceName is the reference grammar's limit on a repository name.
const maxReferenceName = 255

var (
	hexIdentifier    = regexp.MustCompile(`^[a-f0-9]{64}$`)
	referencePattern = regexp.MustCompile(referenceGrammar())
	digestEncodings  = map[string]*regexp.Regexp{
		"sha256": regexp.MustCompile(`^[a-f0-9]{64}$`),
		"sha384": regexp.MustCompile(`^[a-f0-9]{96}$`),
		"sha512": regexp.MustCompile(`^[a-f0-9]{128}$`),
	}
)

// referenceGrammar is NAME[:TAG][@DIGEST], capturing the three.
func referenceGrammar() string {
	const (
		alphanumeric = `[a-z0-9]+`
		separator    = `(?:[._]|__|[-]+)`
		domainPart   = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		ipv6         = `\[(?:[a-fA-F0-9:]+)\]`
		tag          = `[\w][\w.-]{0,127}`
		digest       = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
	)
	domainName := domainPart + `(?:\.` + domainPart + `)*`
	domain := `(?:` + domainName + `|` + ipv6 + `)(?::[0-9]+)?`
	component := alphanumeric + `(?:` + separator + alphanumeric + `)*`
	name := `(?:` + domain + `/)?` + component + `(?:/` + component + `)*`
	return `^(` + name + `)(?::(` + tag + `))?(?:@(` + digest + `))?$`
}

// splitDockerDomain splits off the registry the way Docker does: the first path
// component is a registry when it has a dot or a port, is localhost, or has an
// upper-case letter; otherwise the registry is docker.io and a one-component name
// is an official library image.
func splitDockerDomain(name string) (domain, remainder string) {
	first, rest, found := strings.Cut(name, "/")
	if !found || (!strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first) {
		domain, remainder = "docker.io", name
	} else {
		domain, remainder = first, rest
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(remainder, "/") {
		remainder = "library/" + remainder
	}
	return domain, remainder
}

// validDigest is go-digest's check: a known algorithm and an encoding of its length.
func validDigest(d string) bool {
	alg, enc, ok := strings.Cut(d, ":")
	re := digestEncodings[alg]
	return ok && re != nil && re.MatchString(enc)
}
