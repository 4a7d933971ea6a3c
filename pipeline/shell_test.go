package pipeline_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// The commit variables of a Stapel stage, from a real commit read as the
// build reads it. The +0000 row is what werf v2.77.1 wrote into a stage's
// config (/work/stapelcheck, shellprobe: author date 2026-12-06 01:55:08 +0000).
func TestStapelCommitEnv(t *testing.T) {
	for _, tc := range []struct {
		date, human, unix string
	}{
		{"2026-12-06T01:55:08+0000", "2026-12-06 01:55:08 +0000 +0000", "1796522108"},
		{"2026-12-06T03:55:08+0200", "2026-12-06 03:55:08 +0200 +0200", "1796522108"},
		{"2026-12-05T20:25:08-0530", "2026-12-05 20:25:08 -0530 -0530", "1796522108"},
	} {
		r := gittest.New(t)
		r.Git("commit", "-q", "--allow-empty", "-m", "c", "--date="+tc.date)
		snap, err := source.Open(r.Dir)
		require.NoError(t, err)
		commit := strings.TrimSpace(r.Git("rev-parse", "HEAD"))
		assert.Equal(t, map[string]string{
			"WERF_COMMIT_HASH":       commit,
			"WERF_COMMIT_TIME_HUMAN": tc.human,
			"WERF_COMMIT_TIME_UNIX":  tc.unix,
		}, pipeline.StapelCommitEnv(snap.Commit(), snap.CommitTime()), tc.date)
	}
}
