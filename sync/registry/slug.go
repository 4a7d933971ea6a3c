package registry

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// dockerTagPattern and dockerTagMaxLength are what a registry accepts as a tag.
var dockerTagPattern = regexp.MustCompile(`^[\w][\w.-]*$`)

const dockerTagMaxLength = 128

// Slug is werf's slug of a name: lower case letters and digits kept, the common
// separators (space & ( ) { } [ ] _ , . ; : = + < > ~ / -) turned into single
// dashes, accents dropped, anything else left out, no dash at either end.
func Slug(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(unicode.ToLower(r))
		case strings.ContainsRune(" &(){}[]-_,.;:=+<>~/", r):
			b.WriteByte('-')
		}
	}
	// Runs of dashes collapse; dashes at the ends go.
	parts := strings.FieldsFunc(b.String(), func(r rune) bool { return r == '-' })
	return strings.Join(parts, "-")
}

// SafeSlug is werf's slug for a docker tag: the name itself when it is a valid tag,
// else its slug cut to fit with a hash of the name appended, so that different
// names stay different.
func SafeSlug(s string) string {
	if s == "" || isValidTag(s) {
		return s
	}
	return hashedSlug(s, dockerTagMaxLength)
}

// isValidTag reports whether a registry accepts s as a tag.
func isValidTag(s string) bool {
	return dockerTagPattern.MatchString(s) && len(s) <= dockerTagMaxLength
}

// limitedSlug is werf's LimitedSlug: s itself when it is its own slug and at most
// max long (or, werf's legacy rule, when it is that but for one "--", as the
// slugs it makes can be), else hashedSlug.
func limitedSlug(s string, max int) string {
	if s == "" || len(s) <= max && Slug(s) == s {
		return s
	}
	if once := strings.Replace(s, "--", "-", 1); len(s) <= max && strings.Count(s, "--") == 1 && Slug(once) == once {
		return s
	}
	return hashedSlug(s, max)
}

// hashedSlug is werf's slug of at most max characters: the slug cropped, a dash
// and werf's legacy murmur3 hash of the name.
func hashedSlug(s string, max int) string {
	hash := legacyHash(s)
	slug := Slug(s)
	if slug == "" {
		return hash
	}
	if limit := max - len(hash) - 1; len(slug) > limit {
		slug = slug[:limit]
	}
	return slug + "-" + hash
}

// legacyHash is werf's LegacyMurmurHash: murmur3-32 in hex, without padding.
func legacyHash(s string) string { return fmt.Sprintf("%x", murmur3([]byte(s))) }
