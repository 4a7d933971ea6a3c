package gitmap_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// upstream is a remote repository: a worktree to commit in, pushed to a bare
// repository at <root>/team/lib.git, which werf names "team/lib".
type upstream struct {
	work *gittest.Repo
	root string
	bare string
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{work: gittest.New(t), root: t.TempDir()}
	u.bare = filepath.Join(u.root, "team", "lib.git")
	u.work.CommitFiles(map[string]string{"lib/a.txt": "lib v1\n", "docs/d.md": "doc\n"})
	u.work.Git("tag", "v1")
	u.work.Git("tag", "-a", "-m", "annotated", "v1-annotated")
	u.work.Git("clone", "-q", "--bare", u.work.Dir, u.bare)
	// Serve it the way a git server does, for go-git's dumb-free smart HTTP.
	u.work.Git("-C", u.bare, "config", "http.receivepack", "true")
	return u
}

// push commits in the worktree and pushes main and tags to the bare repository.
func (u *upstream) push(files map[string]string) string {
	c := u.work.CommitFiles(files)
	u.work.Git("push", "-q", "--force", "--tags", u.bare, "main")
	return c
}

func (u *upstream) fileURL() string { return "file://" + u.bare }

// project is a local project to build, with no git mappings of its own.
func project(t *testing.T) *source.Snapshot {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"werf.yaml": "project: x\n"})
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	return snap
}

func TestRemoteMappingsResolveAsWerf(t *testing.T) {
	u := newUpstream(t)
	first := u.work.Git("rev-parse", "HEAD")
	second := u.push(map[string]string{"lib/a.txt": "lib v2\n"})
	u.work.Git("checkout", "-q", "-b", "feature")
	feature := u.work.CommitFiles(map[string]string{"lib/b.txt": "b\n"})
	u.work.Git("push", "-q", u.bare, "feature")

	tests := []struct {
		name   string
		g      config.GitMapping
		commit string
		// werf's params hash: for the first two, read off the labels of a
		// gitArchive stage real werf v2.77.1 built from a repository at
		// .../team/lib.git (the URL only counts through its name).
		params string
	}{
		{"branch", config.GitMapping{Add: "/lib", To: "/lib", Branch: "main"}, second, "ad711fb0fe64023d9656af526057bdd2d2c7819679c16b020c36789b0f03e6dd"},
		{"tag", config.GitMapping{Add: "/", To: "/up", Tag: "v1"}, first, "032f95731450b6c490da81ac7b17ede300b575f2a11702231a000830a25cbe6b"},
		{"annotated tag", config.GitMapping{Add: "/", To: "/up", Tag: "v1-annotated"}, first,
			werfParamsHash("team/lib_team/lib", "/up", "", nil, nil, "", "", "", "v1-annotated", "")},
		{"commit", config.GitMapping{Add: "/lib", To: "/lib", Commit: first}, first,
			werfParamsHash("team/lib_team/lib", "/lib", "lib", nil, nil, "", "", "", "", first)},
		{"other branch", config.GitMapping{Add: "/lib", To: "/lib", Branch: "feature"}, feature,
			werfParamsHash("team/lib_team/lib", "/lib", "lib", nil, nil, "", "", "feature", "", "")},
		{"default branch", config.GitMapping{Add: "/lib", To: "/lib"}, second,
			werfParamsHash("team/lib_team/lib", "/lib", "lib", nil, nil, "", "", "", "", "")},
	}
	cache := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.g.URL = u.fileURL()
			ms, err := gitmap.Open(context.Background(), []config.GitMapping{tt.g}, gitmap.Options{Project: project(t), CacheDir: cache})
			require.NoError(t, err)
			m := ms[0]
			info, err := m.Latest(context.Background())
			require.NoError(t, err)
			assert.Equal(t, gitmap.CommitInfo{Commit: tt.commit}, info)
			assert.Equal(t, tt.params, m.ParamsHash())
			assert.Equal(t, "team/lib", m.Name())
			empty, err := m.IsEmpty(context.Background())
			require.NoError(t, err)
			assert.False(t, empty)
		})
	}

	// werf keys its mirrors by protocol, host and path (Remote.getRepoID).
	assert.DirExists(t, filepath.Join(cache, sha256Hex(filepath.Join("protocol-file", "", u.bare))))
}

func TestRemoteMappingPatchesAndChecksums(t *testing.T) {
	u := newUpstream(t)
	first := u.work.Git("rev-parse", "HEAD")
	u.push(map[string]string{"lib/a.txt": "lib v2\n", "docs/d.md": "doc 2\n"})
	g := config.GitMapping{URL: u.fileURL(), Add: "/lib", To: "/lib", Branch: "main",
		StageDependencies: config.StageDependencies{Install: []string{"*.txt"}}}
	ms, err := gitmap.Open(context.Background(), []config.GitMapping{g}, gitmap.Options{Project: project(t), CacheDir: t.TempDir()})
	require.NoError(t, err)
	m, ctx := ms[0], context.Background()

	patch, err := m.PatchContent(ctx, first)
	require.NoError(t, err)
	short := func(rev string) string { return u.work.Git("rev-parse", rev)[:8] }
	assert.Equal(t, "diff --git a/a.txt b/a.txt\nindex "+short(first+":lib/a.txt")+".."+short("main:lib/a.txt")+
		" 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-lib v1\n+lib v2\n", patch)
	empty, err := m.IsPatchEmpty(ctx, first)
	require.NoError(t, err)
	assert.False(t, empty)

	sum, err := m.StageDependenciesChecksum(ctx, gitmap.StageInstall)
	require.NoError(t, err)
	assert.Equal(t, sha256Hex(sha256Hex(u.work.Git("rev-parse", "main:lib/a.txt"))), sum)

	ok, err := m.IsAncestor(ctx, first, mustLatest(t, m))
	require.NoError(t, err)
	assert.True(t, ok)
}

// gitHTTPServer serves root over git's smart HTTP protocol (git http-backend)
// on 127.0.0.1 and counts the requests it gets.
func gitHTTPServer(t *testing.T, root string) (*httptest.Server, *atomic.Int64) {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	backend := &cgi.Handler{
		Path:   gitPath,
		Args:   []string{"http-backend"},
		Env:    []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"},
		Stderr: io.Discard,
	}
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}

func TestRemoteFetchIsCached(t *testing.T) {
	u := newUpstream(t)
	first := u.work.Git("rev-parse", "HEAD")
	srv, requests := gitHTTPServer(t, u.root)
	url := srv.URL + "/team/lib.git"
	cache := t.TempDir()
	ctx := context.Background()
	proj := project(t)

	open := func(repos *gitmap.Repos, g config.GitMapping) *gitmap.Mapping {
		t.Helper()
		g.URL = url
		ms, err := gitmap.Open(ctx, []config.GitMapping{g}, gitmap.Options{Project: proj, CacheDir: cache, Repos: repos})
		require.NoError(t, err)
		return ms[0]
	}
	branch := config.GitMapping{Add: "/lib", To: "/lib", Branch: "main"}

	build := gitmap.NewRepos()
	m := open(build, branch)
	assert.Positive(t, requests.Load(), "the first open clones")
	assert.Equal(t, first, mustLatest(t, m))

	// The same build, another image mapping the same repository: no network.
	before := requests.Load()
	open(build, branch)
	open(build, config.GitMapping{Add: "/docs", To: "/docs", Branch: "main"})
	assert.Equal(t, before, requests.Load())

	// A mapping pinned to a commit the cache has: no network in a new build.
	open(gitmap.NewRepos(), config.GitMapping{Add: "/lib", To: "/lib", Commit: first})
	assert.Equal(t, before, requests.Load())

	// A branch is fetched in every build (as werf does), and sees new commits.
	second := u.push(map[string]string{"lib/a.txt": "lib v2\n"})
	m = open(gitmap.NewRepos(), branch)
	assert.Greater(t, requests.Load(), before)
	assert.Equal(t, second, mustLatest(t, m))

	// A commit the cache lacks is fetched.
	before = requests.Load()
	third := u.push(map[string]string{"lib/a.txt": "lib v3\n"})
	m = open(gitmap.NewRepos(), config.GitMapping{Add: "/lib", To: "/lib", Commit: third})
	assert.Greater(t, requests.Load(), before)
	assert.Equal(t, third, mustLatest(t, m))
}

func mustLatest(t *testing.T, m *gitmap.Mapping) string {
	t.Helper()
	info, err := m.Latest(context.Background())
	require.NoError(t, err)
	return info.Commit
}

func TestRemoteErrors(t *testing.T) {
	u := newUpstream(t)
	srv, _ := gitHTTPServer(t, u.root)
	tests := []struct {
		name string
		g    config.GitMapping
		want []string
		not  string
	}{
		{"unreachable", config.GitMapping{URL: "http://127.0.0.1:1/team/none.git", Add: "/", To: "/a"},
			[]string{"git mapping add: /, to: /a of http://127.0.0.1:1/team/none.git: cannot fetch the repository: ", "connection refused"}, ""},
		{"missing repository", config.GitMapping{URL: srv.URL + "/team/none.git", Add: "/", To: "/a"},
			[]string{"git mapping add: /, to: /a of " + srv.URL + "/team/none.git: cannot fetch the repository: repository not found"}, ""},
		{"password hidden", config.GitMapping{URL: "http://user:s3cret@127.0.0.1:1/team/none.git", Add: "/", To: "/a"},
			[]string{"of http://user:xxxxx@127.0.0.1:1/team/none.git: cannot fetch the repository"}, "s3cret"},
		{"unknown branch", config.GitMapping{URL: u.fileURL(), Branch: "nope", Add: "/", To: "/a"},
			[]string{"of " + u.fileURL() + `: unknown branch "nope"`}, ""},
		{"unknown tag", config.GitMapping{URL: u.fileURL(), Tag: "nope", Add: "/", To: "/a"},
			[]string{"of " + u.fileURL() + `: bad tag "nope"`}, ""},
		{"unknown commit", config.GitMapping{URL: u.fileURL(), Commit: strings.Repeat("b", 40), Add: "/", To: "/a"},
			[]string{"of " + u.fileURL() + `: commit "` + strings.Repeat("b", 40) + `" not found in the repository. Ensure it has not been squashed or rebased`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gitmap.Open(context.Background(), []config.GitMapping{tt.g}, gitmap.Options{Project: project(t), CacheDir: t.TempDir()})
			require.Error(t, err)
			t.Log(err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if tt.not != "" {
				assert.NotContains(t, err.Error(), tt.not)
			}
		})
	}
}
