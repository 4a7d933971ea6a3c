package registry_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// Every repository flag takes HOST[:PORT]/NAME[/NAME...] (or a Docker Hub
// NAME); anything else is refused before a request, naming the flag and the
// value, rather than sent to a registry that answers 404.
func TestRepositoryAddresses(t *testing.T) {
	tests := []struct {
		address string
		err     string // "" when accepted
	}{
		{address: "registry.example.com/app"},
		{address: "registry.example.com:5000/group/sub/app"},
		{address: "127.0.0.1:5000/app"},
		{address: "[::1]:5000/app"},
		{address: "Registry.Example.com/a.b_c__d--e"},
		{address: "group/app"}, // Docker Hub
		{address: "registry.example.com/app/", err: `%s "registry.example.com/app/": the repository address has an empty path segment; write it without doubled, leading or trailing "/", as HOST[:PORT]/NAME[/NAME...]`},
		{address: "registry.example.com//app", err: `%s "registry.example.com//app": the repository address has an empty path segment; write it without doubled, leading or trailing "/", as HOST[:PORT]/NAME[/NAME...]`},
		{address: "/app", err: `%s "/app": the repository address has an empty path segment; write it without doubled, leading or trailing "/", as HOST[:PORT]/NAME[/NAME...]`},
		{address: "http://registry.example.com/app", err: `%s "http://registry.example.com/app": a repository address takes no scheme; drop "http://" (for a plain-HTTP registry give --insecure-registry)`},
		{address: "https://registry.example.com/app", err: `%s "https://registry.example.com/app": a repository address takes no scheme; drop "https://" (for a plain-HTTP registry give --insecure-registry)`},
		{address: "http://x", err: `%s "http://x": a repository address takes no scheme; drop "http://" (for a plain-HTTP registry give --insecure-registry)`},
		{address: "::::", err: `%s "::::": "::::" is not a repository name; use lower-case letters and digits, separated by ".", "_", "__" or "-", as in registry.example.com/group/app`},
		{address: "registry.example.com/App", err: `%s "registry.example.com/App": "App" is not a repository name; use lower-case letters and digits, separated by ".", "_", "__" or "-", as in registry.example.com/group/app`},
		{address: "registry.example.com/-app", err: `%s "registry.example.com/-app": "-app" is not a repository name; use lower-case letters and digits, separated by ".", "_", "__" or "-", as in registry.example.com/group/app`},
		{address: "Bad Repo", err: `%s "Bad Repo": "Bad Repo" is not a repository name; use lower-case letters and digits, separated by ".", "_", "__" or "-", as in registry.example.com/group/app`},
		{address: "registry.example.com:port/app", err: `%s "registry.example.com:port/app": "registry.example.com:port" is not a registry host; write HOST[:PORT], as in registry.example.com:5000`},
		{address: "registry..example.com/app", err: `%s "registry..example.com/app": "registry..example.com" is not a registry host; write HOST[:PORT], as in registry.example.com:5000`},
		{address: "registry.example.com/app:1.0", err: `%s "registry.example.com/app:1.0": a repository address takes no tag or digest; drop ":1.0"`},
		{address: "registry.example.com/a", err: `%s "registry.example.com/a": a repository name of one character ("a") is not supported; use a longer one`},
		{address: "registry.example.com/app@sha256:0123", err: `%s "registry.example.com/app@sha256:0123": a repository address takes no tag or digest; drop "@sha256:0123"`},
	}
	roles := []struct {
		flag string
		open func(address string) error
	}{
		{"--repo", func(a string) error { _, err := registry.New(project, a); return err }},
		{"--final-repo", func(a string) error {
			_, err := registry.New(project, "registry.example.com/shop", registry.WithFinalRepo(a))
			return err
		}},
		{"--cache-repo", func(a string) error {
			_, err := registry.New(project, "registry.example.com/shop", registry.WithCacheRepos(a))
			return err
		}},
		{"--secondary-repo", func(a string) error {
			_, err := registry.New(project, "registry.example.com/shop", registry.WithSecondaryRepos(a))
			return err
		}},
	}
	for _, role := range roles {
		for _, tt := range tests {
			t.Run(role.flag+" "+tt.address, func(t *testing.T) {
				err := role.open(tt.address)
				if tt.err == "" {
					require.NoError(t, err)
					return
				}
				assert.EqualError(t, err, fmt.Sprintf(tt.err, role.flag))
			})
		}
	}
}
