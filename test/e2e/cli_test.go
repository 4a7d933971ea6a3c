package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// `dagwerf build` as a user runs it, with nothing set up: no --repo, so stages go
// to the local store under DAGWERF_HOME, which a second run finds them in; the tags
// are the ones `dagwerf digest` prints.
func TestCommandLineWithTheLocalStore(t *testing.T) {
	w := newWorld(t, filepath.Join("..", "example"))
	bin := filepath.Join(t.TempDir(), "dagwerf")
	build := exec.Command("go", "build", "-o", bin, "github.com/dagwerf/dagwerf/cmd/dagwerf")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = w.repo.Dir
		cmd.Env = append(os.Environ(), "DAGWERF_HOME="+home, "BASE_REGISTRY="+w.env["BASE_REGISTRY"])
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "dagwerf %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
		return stdout.String()
	}
	platforms := "--platform=" + strings.Join(w.platforms, ",")
	reportPath := filepath.Join(t.TempDir(), "report.json")
	report := func() pipeline.Report {
		t.Helper()
		data, err := os.ReadFile(reportPath)
		require.NoError(t, err)
		var r pipeline.Report
		require.NoError(t, json.Unmarshal(data, &r))
		return r
	}

	run("build", platforms, "--save-build-report", "--build-report-path", reportPath)
	first := report()
	for img, rec := range first.Images {
		assert.True(t, rec.Rebuilt, img)
	}

	out2 := run("build", platforms, "--save-build-report", "--build-report-path", reportPath)
	second := report()
	for img, rec := range second.Images {
		assert.False(t, rec.Rebuilt, "%s is in the local store after the first run", img)
		assert.Equal(t, first.Images[img].DockerTag, rec.DockerTag, img)
	}
	assert.NotContains(t, out2, "building")
	assert.Contains(t, out2, fmt.Sprintf("Summary: %[1]d images and platforms: 0 built, 0 copied from a secondary repo, %[1]d up to date", 4*len(w.platforms)))

	digests := run("digest", platforms)
	lines := 0
	for sc := bufio.NewScanner(strings.NewReader(digests)); sc.Scan(); lines++ {
		fields := strings.Fields(sc.Text())
		require.Len(t, fields, 3, sc.Text())
		rec, ok := second.ImagesByPlatform[fields[0]][fields[1]]
		require.True(t, ok, "%s %s in the report", fields[0], fields[1])
		assert.True(t, strings.HasPrefix(rec.DockerTag, fields[2]+"-"), "%s: tag %s, digest %s", sc.Text(), rec.DockerTag, fields[2])
	}
	assert.Equal(t, 4*len(w.platforms), lines)
}
