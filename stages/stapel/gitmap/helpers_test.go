package gitmap_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// openLocal opens one mapping of the repository's HEAD.
func openLocal(t testing.TB, r *gittest.Repo, g config.GitMapping, opts ...func(*gitmap.Options)) *gitmap.Mapping {
	t.Helper()
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	o := gitmap.Options{Project: snap, CacheDir: t.TempDir()}
	for _, f := range opts {
		f(&o)
	}
	ms, err := gitmap.Open(context.Background(), []config.GitMapping{g}, o)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	return ms[0]
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestMain keeps the git commands the package runs away from the machine's
// and the user's git configuration, as gittest does for its own.
func TestMain(m *testing.M) {
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Exit(m.Run())
}

// gitOut runs git in dir and returns its stdout untrimmed.
func gitOut(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gittest.Env()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), stderr.String())
	return string(out)
}

// openErr opens one mapping of the repository's HEAD and returns Open's error.
func openErr(t testing.TB, r *gittest.Repo, g config.GitMapping, opts ...func(*gitmap.Options)) ([]*gitmap.Mapping, error) {
	t.Helper()
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	o := gitmap.Options{Project: snap, CacheDir: t.TempDir()}
	for _, f := range opts {
		f(&o)
	}
	return gitmap.Open(context.Background(), []config.GitMapping{g}, o)
}
