package stapel

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The first build of testdata/werf/p2-werf.yaml over a real repository made
// to be werf's, commit for commit (the same files, author and dates give
// werf's commit 54bfe4bb), through gitmap: every digest is werf's. install and
// setup take the commit through gitArchive's next-stage dependencies.
func TestRealGitFirstBuildMatchesWerf(t *testing.T) {
	repo := gittest.New(t)
	for path, body := range map[string]string{"src/a.txt": "a\n", "src/c.log": "c\n", "src/conf/x": "x\n"} {
		require.NoError(t, os.MkdirAll(repo.Path(path[:strings.LastIndex(path, "/")]), 0o755))
		require.NoError(t, os.WriteFile(repo.Path(path), []byte(body), 0o644))
	}
	werfYAML, err := os.ReadFile("testdata/werf/p2-werf.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(repo.Path("werf.yaml"), werfYAML, 0o644))
	repo.Git("add", "-A")
	commit := exec.Command("git", "commit", "-qm", "c1")
	commit.Dir = repo.Dir
	commit.Env = append(gittest.Env(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=a@b", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=a@b",
		"GIT_AUTHOR_DATE=1796521139 +0000", "GIT_COMMITTER_DATE=1796521139 +0000")
	out, err := commit.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "54bfe4bbac3c815ce801495b566c8fef3810bab1", repo.Git("rev-parse", "HEAD"), "werf's commit c1")

	snap, err := source.Open(repo.Dir)
	require.NoError(t, err)
	img := stapelImage("app", config.Stapel{
		From: "127.0.0.1:5070/library/busybox:1.36",
		Git: []config.GitMapping{{Add: "/src", To: "/app", Name: "own", StageDependencies: config.StageDependencies{
			Install: []string{"*.txt"}, Setup: []string{"conf/*"},
		}}},
		Shell:  &config.Shell{Install: []string{"ls /app"}, Setup: []string{"cat /app/a.txt"}},
		Docker: &config.Docker{Workdir: "/app"},
	})
	ctx := context.Background()
	ms, err := gitmap.Open(ctx, img.Stapel.Git, gitmap.Options{Project: snap, CacheDir: t.TempDir()})
	require.NoError(t, err)
	c, err := NewChain(img, Options{Platform: "linux/amd64", Git: ms})
	require.NoError(t, err)
	stages, err := Address(ctx, c, nil)
	require.NoError(t, err)
	require.Equal(t, []StageName{From, GitArchive, Install, Setup, DockerInstructions}, names(stages))
	for i, want := range []string{
		"f1ad9024de018ca1cfdfcd739d6eb3f81dda8a45daa0f6d98d55925f",
		"5c7c116b9f8e4a4db073df2f07b7695f9ee92d7f8322699c958b824e",
		"779e26d1c4c39379a2e5a973271f797397450c2739318e3347803abf",
		"4623ffd8b11c82d6376b5050853db3512b791f6fc9517037da051c24",
		"30267735f8e2c18d4be2b1927433514338d5937e29505b9d4fb593c8",
	} {
		assert.Equal(t, want, stages[i].Digest, stages[i].Name)
	}
	for i, want := range map[int]string{
		1: "1be7c51477c2d8c185de28bdeb6fc6108ba526ef209848cfdb6da2fb", // gitArchive
		2: "b692287476abb9c279204d9ed20a250e330fa5adddb846c2b0486d21", // install
		3: "3adbc98005a14375b6021dc636b6451a32b2ebba0ef9c57da90c39b8", // setup
		4: "76d31a95f1865a4dff4f13f6ed54dcf95e8fd63782a3b27cc81ea4c8", // dockerInstructions
	} {
		assert.Equal(t, want, stages[i].ContentDigest, "content digest of %s", stages[i].Name)
	}
	head := repo.Git("rev-parse", "HEAD")
	assert.Equal(t, sha256Of(head), arg(t, stages[4], argPrevNext), "setup hands on the current commit")
}
