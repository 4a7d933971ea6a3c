package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/test/gittest"
)

// A malformed repository address is refused by every command that takes one,
// before anything is read: digest refuses it even when no image needs the
// storage.
func TestRepositoryFlagsAreChecked(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml":  "configVersion: 1\nproject: p\n---\nimage: ~\ndockerfile: Dockerfile\n",
		"Dockerfile": "FROM alpine:latest\n",
	})
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"digest", "--repo", "::::"}, `Error: --repo "::::": "::::" is not a repository name; `},
		{[]string{"digest", "--repo", "registry.example.com//shop"}, `Error: --repo "registry.example.com//shop": the repository address has an empty path segment; `},
		{[]string{"digest", "--cache-repo", "registry.example.com/shop/", "--repo", "registry.example.com/shop"}, `Error: --cache-repo "registry.example.com/shop/": the repository address has an empty path segment; `},
		{[]string{"build", "--repo", "http://x"}, `Error: --repo "http://x": a repository address takes no scheme; drop "http://" (for a plain-HTTP registry give --insecure-registry)` + "\n"},
		{[]string{"build", "--repo", "127.0.0.1:1/shop/"}, `Error: --repo "127.0.0.1:1/shop/": the repository address has an empty path segment; `},
		{[]string{"build", "--repo", "127.0.0.1:1/shop", "--final-repo", "127.0.0.1:1//release"}, `Error: --final-repo "127.0.0.1:1//release": the repository address has an empty path segment; `},
		{[]string{"build", "--repo", "127.0.0.1:1/shop", "--secondary-repo", "https://127.0.0.1:1/old"}, `Error: --secondary-repo "https://127.0.0.1:1/old": a repository address takes no scheme; `},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := dagwerf(t, nil, append(tt.args, "--dir", r.Dir)...)
			assert.Equal(t, 1, code, stdout)
			assert.True(t, strings.HasPrefix(stderr, tt.err), stderr)
		})
	}
}
