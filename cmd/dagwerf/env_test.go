package main

import (
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// werf's families of variables (WERF_CACHE_REPO_EU, …) come from the same
// environment as every other default, in name order.
func TestPrefixListFlag(t *testing.T) {
	env := newEnvironment([]string{
		"WERF_CACHE_REPO=r.example.com/main", "WERF_CACHE_REPO_US=us.example.com/c",
		"WERF_CACHE_REPO_EU=eu.example.com/c", "WERF_CACHE_REPOSITORY=ignored", "WERF_CACHE_REPO_EMPTY=",
	})
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	var repos []string
	env.prefixListFlag(fs, &repos, "cache-repo", "WERF_CACHE_REPO", "")
	require.NoError(t, fs.Parse(nil))
	assert.Equal(t, []string{"r.example.com/main", "eu.example.com/c", "us.example.com/c"}, repos)
}
