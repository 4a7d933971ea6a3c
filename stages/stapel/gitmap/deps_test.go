package gitmap_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func depsRepo(t *testing.T) *gittest.Repo {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"notes.txt": "notes\n", "deps.txt": "deps\n", "werf.yaml": "w\n",
		"app/go.mod": "module app\n", "app/go.sum": "sum\n", "app/main.go": "package main\n",
		"app/vendor/x.go": "package x\n", "app/README": "readme\n",
		"lib/x": "x\n", "lib.md": "l\n",
	})
	return r
}

// The checksum written out from git objects, as werf's
// StageDependenciesChecksum and ls-tree Checksum make it: per glob, SHA-256
// of the hex object hashes of what it takes, in path order (a directory taken
// whole is its tree hash); then SHA-256 of those checksums.
func TestStageDependenciesChecksumByHand(t *testing.T) {
	r := depsRepo(t)
	obj := func(rev string) string { return r.Git("rev-parse", "HEAD:"+rev) }
	tests := []struct {
		name string
		g    config.GitMapping
		want string
	}{
		{
			// Real werf v2.77.1 printed this value (WERF_DEBUG_USER_STAGE_CHECKSUM)
			// for a project with these files; the glob that matches nothing
			// adds nothing.
			name: "werf's value",
			g: config.GitMapping{Add: "/", To: "/app", ExcludePaths: []string{"werf.yaml"},
				StageDependencies: config.StageDependencies{Install: []string{"**/*.txt", "nomatch/**"}}},
			want: sha256Hex(sha256Hex(obj("deps.txt") + obj("notes.txt"))),
		},
		{
			name: "a glob taking all of add takes its tree",
			g:    config.GitMapping{Add: "/app", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"**/*"}}},
			want: sha256Hex(sha256Hex(obj("app"))),
		},
		{
			name: "a directory glob takes the directory's tree",
			g:    config.GitMapping{Add: "/app", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"go.*", "vendor"}}},
			want: sha256Hex(sha256Hex(obj("app/go.mod")+obj("app/go.sum")) + sha256Hex(obj("app/vendor"))),
		},
		{
			name: "only what the mapping takes",
			g: config.GitMapping{Add: "/app", To: "/app", IncludePaths: []string{"*.go", "go.mod"},
				StageDependencies: config.StageDependencies{Install: []string{"go.*"}}},
			want: sha256Hex(sha256Hex(obj("app/go.mod"))),
		},
		{
			// Paths sort as strings: the tree "app" before "deps.txt".
			name: "whole trees and files in path order",
			g:    config.GitMapping{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"app", "*.txt"}}},
			want: sha256Hex(sha256Hex(obj("app")) + sha256Hex(obj("deps.txt")+obj("notes.txt"))),
		},
		{
			// "lib" sorts before "lib.md" as a string, after it in git's
			// tree order ("lib/").
			name: "string order, not tree order",
			g:    config.GitMapping{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"lib*"}}},
			want: sha256Hex(sha256Hex(obj("lib") + obj("lib.md"))),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openLocal(t, r, tt.g)
			got, err := m.StageDependenciesChecksum(context.Background(), gitmap.StageInstall)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "1bb493653d63fba54a808ffe009b52ebcee7cdebcf4085577122e00800eec0b1", tests[0].want, "werf's printed checksum")
}

func TestStageDependenciesChecksumWithoutDependencies(t *testing.T) {
	r := depsRepo(t)
	var warnings []string
	warn := func(o *gitmap.Options) {
		o.Warnf = func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	}
	m := openLocal(t, r, config.GitMapping{Add: "/app", To: "/app",
		StageDependencies: config.StageDependencies{Setup: []string{"nothing/**"}}}, warn)
	ctx := context.Background()
	for _, stage := range []string{gitmap.StageInstall, gitmap.StageBeforeSetup} {
		got, err := m.StageDependenciesChecksum(ctx, stage)
		require.NoError(t, err)
		assert.Empty(t, got, stage)
	}
	// Globs that match nothing still make a checksum: of nothing.
	got, err := m.StageDependenciesChecksum(ctx, gitmap.StageSetup)
	require.NoError(t, err)
	assert.Equal(t, sha256Hex(""), got)
	assert.Equal(t, []string{"WARNING: stage setup dependency path \"app/nothing/**\" has not been found in own git\n"}, warnings)

	_, err = m.StageDependenciesChecksum(ctx, "beforeInstall")
	assert.ErrorContains(t, err, `stage "beforeInstall" has no stageDependencies`)
}

func TestStageDependenciesChecksumChangesIffAMatchingFileChanges(t *testing.T) {
	g := config.GitMapping{Add: "/app", To: "/app", ExcludePaths: []string{"vendor"},
		StageDependencies: config.StageDependencies{Install: []string{"go.*", "**/*.go"}}}
	tests := []struct {
		name    string
		edit    func(r *gittest.Repo)
		changes bool
	}{
		{"a matching file's content", func(r *gittest.Repo) { r.Write("app/go.sum", "sum2\n") }, true},
		// werf hashes object hashes: a file's mode is not one (a directory
		// taken whole would show it in its tree hash).
		{"only a matching file's mode", func(r *gittest.Repo) { r.WriteMode("app/main.go", "package main\n", 0o755) }, false},
		{"a new matching file", func(r *gittest.Repo) { r.Write("app/cmd/tool.go", "package main\n") }, true},
		{"a matching file removed", func(r *gittest.Repo) { r.Remove("app/go.sum") }, true},
		{"a file the globs do not match", func(r *gittest.Repo) { r.Write("app/README", "changed\n") }, false},
		{"a file the mapping excludes", func(r *gittest.Repo) { r.Write("app/vendor/x.go", "package x // changed\n") }, false},
		{"a file outside add", func(r *gittest.Repo) { r.Write("deps.txt", "changed\n") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := depsRepo(t)
			ctx := context.Background()
			before, err := openLocal(t, r, g).StageDependenciesChecksum(ctx, gitmap.StageInstall)
			require.NoError(t, err)
			tt.edit(r)
			r.Commit(tt.name)
			after, err := openLocal(t, r, g).StageDependenciesChecksum(ctx, gitmap.StageInstall)
			require.NoError(t, err)
			if tt.changes {
				assert.NotEqual(t, before, after)
			} else {
				assert.Equal(t, before, after)
			}
		})
	}
}

func TestIsEmpty(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"app/main.go": "package main\n", "app/docs/a.md": "a\n", "empty-ish/skip.txt": "s\n", "file.txt": "f\n"})
	r.Git("commit", "-q", "--allow-empty", "-m", "empty")
	tests := []struct {
		name  string
		g     config.GitMapping
		empty bool
	}{
		{"a directory", config.GitMapping{Add: "/app", To: "/app"}, false},
		{"a file", config.GitMapping{Add: "/file.txt", To: "/file.txt"}, false},
		{"a missing path", config.GitMapping{Add: "/nothing", To: "/app"}, true},
		{"everything excluded", config.GitMapping{Add: "/empty-ish", To: "/app", ExcludePaths: []string{"*.txt"}}, true},
		{"includes matching nothing", config.GitMapping{Add: "/app", To: "/app", IncludePaths: []string{"*.rs"}}, true},
		{"includes matching deep", config.GitMapping{Add: "/app", To: "/app", IncludePaths: []string{"**/*.md"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openLocal(t, r, tt.g)
			empty, err := m.IsEmpty(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.empty, empty)
		})
	}
}
