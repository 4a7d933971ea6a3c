package stapel

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// The shell builder's contribution (pkg/build/builder/shell.go stageChecksum):
// the commands, then the SHA-256 of the stage's and the section's cache
// versions when there is any.
func TestUserStageDependencies(t *testing.T) {
	tests := []struct {
		name  string
		shell config.Shell
		stage StageName
		want  string
	}{
		{"beforeInstall: the commands", config.Shell{BeforeInstall: []string{"a", "b"}}, BeforeInstall,
			sha256Of("a", "b")},
		{"beforeInstall: stage cache version, then the section's", config.Shell{BeforeInstall: []string{"a"}, BeforeInstallCacheVersion: "s", CacheVersion: "g"}, BeforeInstall,
			sha256Of("a", sha256Of("s", "g"))},
		{"beforeInstall: the section's cache version alone", config.Shell{CacheVersion: "g"}, BeforeInstall,
			sha256Of(sha256Of("g"))},
		{"install: the shell checksum and the (no) stageDependencies checksums", config.Shell{Install: []string{"make"}}, Install,
			sha256Of(sha256Of("make"), sha256Of())},
		{"beforeSetup: its own cache version", config.Shell{BeforeSetup: []string{"x"}, BeforeSetupCacheVersion: "2"}, BeforeSetup,
			sha256Of(sha256Of("x", sha256Of("2")), sha256Of())},
		{"setup", config.Shell{Setup: []string{"y"}, InstallCacheVersion: "not mine"}, Setup,
			sha256Of(sha256Of("y"), sha256Of())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := tt.shell
			c := testChain(t, stapelImage("x", config.Stapel{From: "alpine", Shell: &sh}), Options{})
			var got *Stage
			for _, s := range walk(t, c) {
				if s.Name == tt.stage {
					got = s
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, tt.want, arg(t, got, argDependencies))
		})
	}
}

// After gitArchive the user stages also take each mapping's
// stageDependencies checksum, in werf's mapping order: local ones first.
func TestUserStageGitDependencies(t *testing.T) {
	img := stapelImage("x", config.Stapel{
		From: "alpine",
		Git: []config.GitMapping{
			{URL: "https://example.com/lib.git", Name: "lib", Add: "/", To: "/lib"},
			{Add: "/", To: "/app"},
		},
		Shell: &config.Shell{Install: []string{"make"}},
	})
	remote := &fakeGit{params: "r", head: "r1", stageDeps: map[string]string{"install": "sum-remote"}}
	local := &fakeGit{params: "l", head: "l1", stageDeps: map[string]string{"install": "sum-local"}}
	stages := walk(t, testChain(t, img, Options{}, remote, local))
	require.Equal(t, []StageName{From, GitArchive, Install}, names(stages))
	assert.Equal(t, sha256Of(sha256Of("make"), sha256Of("sum-local", "sum-remote")), arg(t, stages[2], argDependencies))
	assert.Equal(t, sha256Of("l", "r"), arg(t, stages[1], argDependencies), "gitArchive: the params hashes, sorted")
	assert.Equal(t, sha256Of("l1", "r1"), arg(t, stages[2], argPrevNext), "the commits, sorted")
}
