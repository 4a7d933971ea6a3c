package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Values from github.com/distribution/reference v0.5.0 (werf's) run on each
// input; 10 000 generated inputs agreed when this was written.
func TestHasTagOrDigest(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{"alpine", false},
		{"alpine:3.20", true},
		{"builder/alpine", false},
		{"builder/alpine:1", true},
		{"Builder/alpine:1", true}, // an upper-case first component is a registry
		{"builder/Alpine:1", false},
		{"images-digests", false},
		{"scratch", false},
		{"registry.example.com:5000/a", false},
		{"registry.example.com:5000/a:tag", true},
		{"localhost/a:1", true},
		{"[::1]:5000/a:1", true},
		{"a@sha256:" + strings.Repeat("0", 64), true},
		{"a@sha256:" + strings.Repeat("0", 63), false},
		{"a@md5:" + strings.Repeat("0", 32), false},
		{strings.Repeat("0", 64), false},
		{"a___b:1", false},
		{"a:.x", false},
		{"a:" + strings.Repeat("x", 128), true},
		{"a:" + strings.Repeat("x", 129), false},
		{"", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hasTagOrDigest(tt.ref), tt.ref)
	}
}

// werf's values (pkg/config/raw_git_test.go), then ones werf's expression gives.
func TestRemoteRepoName(t *testing.T) {
	tests := []struct{ url, want string }{
		{"git@github.com:company/name.git", "company/name"},
		{"git@github.com:company/name", "company/name"},
		{"https://github.com/company/name.git", "company/name"},
		{"https://username:password@github.com/company/name.git", "company/name"},
		{"file:///path/workspace/name.git/", "workspace/name"},
		{"../name", "../name"},
		{"https://github.com/a/b/c.git/", "b/c"},
		{"ssh://git@host:22/g/p.git", "g/p"},
		{"https://host/p", "host/p"},
		{"name", "name"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, remoteRepoName(tt.url), tt.url)
	}
}
