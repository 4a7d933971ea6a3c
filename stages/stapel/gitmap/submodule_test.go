package gitmap_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// A mapping reads into the submodules of the project's repository, checked
// out in its working tree, as werf reads them in a worktree of its own.
func TestSubmodules(t *testing.T) {
	sub := gittest.New(t)
	first := sub.CommitFiles(map[string]string{"lib/x.go": "package x\n", "README": "r\n"})
	second := sub.CommitFiles(map[string]string{"lib/x.go": "package x // 2\n"})

	r := gittest.New(t)
	r.Write("app/main.go", "package main\n")
	r.Git("submodule", "add", "-q", sub.Dir, "vendor/sub")
	r.Git("-C", "vendor/sub", "checkout", "-q", first)
	c1 := r.Commit("pin the submodule at its first commit")
	ctx := context.Background()

	g := config.GitMapping{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"**/*.go"}}}
	m := openLocal(t, r, g)
	sum, err := m.StageDependenciesChecksum(ctx, "install")
	require.NoError(t, err)
	// The main repository's entries, then the submodule's own checksum.
	assert.Equal(t, sha256Hex(sha256Hex(r.Git("rev-parse", "HEAD:app/main.go")+sha256Hex(sub.Git("rev-parse", first+":lib/x.go")))), sum)

	// A mapping inside the submodule.
	inner := openLocal(t, r, config.GitMapping{Add: "/vendor/sub/lib", To: "/lib",
		StageDependencies: config.StageDependencies{Install: []string{"*.go"}}})
	sum, err = inner.StageDependenciesChecksum(ctx, "install")
	require.NoError(t, err)
	// werf's ls-tree of a scope inside a submodule is a result holding the
	// submodule's result: one more checksum around it.
	assert.Equal(t, sha256Hex(sha256Hex(sha256Hex(sub.Git("rev-parse", first+":lib/x.go")))), sum)
	empty, err := inner.IsEmpty(ctx)
	require.NoError(t, err)
	assert.False(t, empty)

	// A patch across a submodule change shows the files changed in it.
	r.Git("-C", "vendor/sub", "checkout", "-q", second)
	r.Commit("move the submodule")
	m = openLocal(t, r, g)
	empty, err = m.IsPatchEmpty(ctx, c1)
	require.NoError(t, err)
	assert.False(t, empty)
	patch, err := m.PatchContent(ctx, c1)
	require.NoError(t, err)
	assert.Contains(t, patch, "diff --git a/vendor/sub/lib/x.go b/vendor/sub/lib/x.go\n")
	assert.Contains(t, patch, "+package x // 2\n")
}
