package gitmap_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestOpenRefuses(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"conf/app.yaml": "a\n", "src/main.go": "package main\n"})
	tests := []struct {
		name string
		g    config.GitMapping
		want string
	}{
		{
			// werf's makeGitMappingTo.
			name: "a file to the root",
			g:    config.GitMapping{Add: "/conf/app.yaml", To: "/"},
			want: "git mapping add: /conf/app.yaml, to: /: for git repo \"own\" specifying `to: /` when adding a single file from git with `add: conf/app.yaml` is not allowed. Fix this by changing `to: /` to `to: /app.yaml`",
		},
		{
			name: "a malformed include glob",
			g:    config.GitMapping{Add: "/src", To: "/src", IncludePaths: []string{"[a"}},
			want: `git mapping add: /src, to: /src: includePaths: include globs: glob "[a" is malformed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openErr(t, r, tt.g)
			assert.ErrorContains(t, err, tt.want)
		})
	}

	// A directory may go to the root.
	_, err := openErr(t, r, config.GitMapping{Add: "/src", To: "/"})
	assert.NoError(t, err)
}

func TestOpenRefusesTheWorkingTree(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"f": "x\n"})
	snap, err := source.Open(r.Dir, source.WithWorktree())
	require.NoError(t, err)
	_, err = gitmap.Open(context.Background(), []config.GitMapping{{Add: "/", To: "/app"}}, gitmap.Options{Project: snap})
	assert.ErrorContains(t, err, "not supported in --dev mode")

	_, err = gitmap.Open(context.Background(), []config.GitMapping{{Add: "/", To: "/app"}}, gitmap.Options{})
	assert.ErrorContains(t, err, "need the project's snapshot")
}

// A project in a subdirectory of its repository still maps paths from the
// repository's root, as werf does.
func TestOpenProjectInSubdirectory(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"services/api/werf.yaml": "w\n", "shared/lib.go": "package lib\n"})
	snap, err := source.Open(r.Path("services/api"))
	require.NoError(t, err)
	ms, err := gitmap.Open(context.Background(), []config.GitMapping{{Add: "/shared", To: "/lib",
		StageDependencies: config.StageDependencies{Install: []string{"*.go"}}}}, gitmap.Options{Project: snap})
	require.NoError(t, err)
	sum, err := ms[0].StageDependenciesChecksum(context.Background(), gitmap.StageInstall)
	require.NoError(t, err)
	assert.Equal(t, sha256Hex(sha256Hex(r.Git("rev-parse", "HEAD:shared/lib.go"))), sum)
	assert.Equal(t, "own", ms[0].Name())
	typ, err := ms[0].ArchiveType()
	require.NoError(t, err)
	assert.Equal(t, gitmap.ArchiveDirectory, typ)
}

func TestArchiveLabels(t *testing.T) {
	r := gittest.New(t)
	c := r.CommitFiles(map[string]string{"conf/app.yaml": "a\n", "src/main.go": "package main\n"})
	tests := []struct {
		g   config.GitMapping
		typ string
	}{
		{config.GitMapping{Add: "/src", To: "/src"}, "directory"},
		{config.GitMapping{Add: "/", To: "/app"}, "directory"},
		{config.GitMapping{Add: "/conf/app.yaml", To: "/etc/app.conf"}, "file"},
	}
	for _, tt := range tests {
		m := openLocal(t, r, tt.g)
		labels, err := m.ArchiveLabels()
		require.NoError(t, err)
		ph := m.ParamsHash()
		assert.Equal(t, map[string]string{
			"werf-git-" + ph + "-commit":        c,
			"werf-git-" + ph + "-virtual-merge": "false",
			"werf-git-" + ph + "-type":          tt.typ,
		}, labels, tt.g.Add)
	}
}
