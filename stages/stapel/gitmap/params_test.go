package gitmap_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// werf's own cases (pkg/config/raw_git_test.go, "parsing git repository ID").
func TestRepositoryName(t *testing.T) {
	tests := []struct{ url, want string }{
		{"git@github.com:company/name.git", "company/name"},
		{"git@github.com:company/name", "company/name"},
		{"https://github.com/company/name.git", "company/name"},
		{"https://username:password@github.com/company/name.git", "company/name"},
		{"file:///path/workspace/name.git/", "workspace/name"},
		{"../name", "../name"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, gitmap.RepositoryName(tt.url), tt.url)
	}
}

// werfParamsHash writes out werf's GetParamshash (pkg/build/stage/git_mapping.go)
// by hand: SHA-256 over the parts written one after another, ":::" between the
// groups, the include and exclude paths with nothing between them. fullName is
// GetFullName: "<repo name>_<mapping name>", both "own" for the project's
// repository.
func werfParamsHash(fullName, to, add string, includes, excludes []string, owner, group, branch, tag, commit string) string {
	return sha256Hex(fullName + ":::" + to + ":::" + add + ":::" + strings.Join(includes, "") + ":::" +
		strings.Join(excludes, "") + ":::" + owner + ":::" + group + ":::" + branch + ":::" + tag + ":::" + commit)
}

func TestParamsHashOfLocalMappings(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"src/app/main.go": "package main\n", "README": "x\n"})

	tests := []struct {
		name string
		g    config.GitMapping
		want string
	}{
		{
			name: "whole repository",
			g:    config.GitMapping{Add: "/", To: "/app"},
			want: werfParamsHash("own_own", "/app", "", nil, nil, "", "", "", "", ""),
		},
		{
			name: "subdirectory with filters and owner",
			g: config.GitMapping{Add: "/src", To: "/app", IncludePaths: []string{"app/**", "*.go"}, ExcludePaths: []string{"app/testdata"},
				Owner: "app", Group: "staff"},
			want: werfParamsHash("own_own", "/app", "src", []string{"app/**", "*.go"}, []string{"app/testdata"}, "app", "staff", "", "", ""),
		},
		{
			// werf's loader cleans add, to and the paths (filepath.Clean) and
			// drops add's leading slash (GitMappingAdd).
			name: "uncleaned paths",
			g:    config.GitMapping{Add: "/src/", To: "/app/", IncludePaths: []string{"./app/"}},
			want: werfParamsHash("own_own", "/app", "src", []string{"app"}, nil, "", "", "", "", ""),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := openLocal(t, r, tt.g)
			assert.Equal(t, tt.want, m.ParamsHash())
			assert.Equal(t, "werf-git-"+tt.want+"-commit", m.CommitLabel())
			assert.Equal(t, "werf-git-"+tt.want+"-virtual-merge", m.VirtualMergeLabel())
			assert.Equal(t, "werf-git-"+tt.want+"-virtual-merge-from-commit", m.VirtualMergeFromCommitLabel())
			assert.Equal(t, "werf-git-"+tt.want+"-virtual-merge-into-commit", m.VirtualMergeIntoCommitLabel())
			assert.Equal(t, "werf-git-"+tt.want+"-type", m.TypeLabel())
		})
	}
}

// Values read off the labels of a gitArchive stage real werf v2.77.1 built
// (werf-git-<params hash>-commit), whose digest dagwerf also computes alike.
func TestParamsHashIsWerfs(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"src/main.go": "package main\n", "conf/app.yaml": "a: 1\n"})
	tests := []struct {
		g    config.GitMapping
		want string
	}{
		{
			// stageDependencies are not part of it.
			g: config.GitMapping{Add: "/", To: "/app", ExcludePaths: []string{"werf.yaml"},
				StageDependencies: config.StageDependencies{Install: []string{"**/*.txt"}}},
			want: "339a3addd35e9f4a8387260f3b66417792fc0fbba28f3825d34d3288094939c5",
		},
		{
			g:    config.GitMapping{Add: "/src", To: "/src", IncludePaths: []string{"*.go", "sub"}, ExcludePaths: []string{"skip.go"}},
			want: "3d119ac55ab5528ff76b59eb00605d97b085afc8e8875592a5e1758bc49ff825",
		},
		{
			g:    config.GitMapping{Add: "/conf/app.yaml", To: "/etc/app.conf"},
			want: "21f55dde3180f658c6108c1546d1444409e8d19c959071b11d2eb1e709e7605a",
		},
	}
	for _, tt := range tests {
		m := openLocal(t, r, tt.g)
		assert.Equal(t, tt.want, m.ParamsHash(), tt.g.Add)
		assert.Equal(t, tt.want, werfParamsHash("own_own", tt.g.To, strings.TrimPrefix(tt.g.Add, "/"), tt.g.IncludePaths, tt.g.ExcludePaths, "", "", "", "", ""), tt.g.Add)
	}
}
