package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// `dagger call build` of the example builds what `dagwerf build` would: the
// module builds and publishes first, then the command line's build finds every
// stage under the same tags and builds nothing.
//
// The module's functions run in containers of the engine, which do not reach
// the host's 127.0.0.1, so this test needs a registry both the engine and its
// containers reach: DAGWERF_E2E_REPO (e.g. ttl.sh/dagwerf-e2e-RUN; with
// DAGWERF_E2E_INSECURE set, one spoken to over plain HTTP, which the engine's
// own configuration must allow too), and the Go SDK's images (from Docker Hub).
func TestModuleBuildMatchesTheCommandLine(t *testing.T) {
	base := os.Getenv("DAGWERF_E2E_REPO")
	if base == "" {
		t.Skip("DAGWERF_E2E_REPO is not set: the module's build needs a registry that the engine's containers reach (e.g. ttl.sh/dagwerf-e2e-$RUN)")
	}
	w := newWorld(t, filepath.Join("..", "example"))
	cli := os.Getenv("_EXPERIMENTAL_DAGGER_CLI_BIN")
	if cli == "" {
		var err error
		if cli, err = exec.LookPath("dagger"); err != nil {
			t.Skip("no dagger CLI: set _EXPERIMENTAL_DAGGER_CLI_BIN or put dagger v0.21.8 on the PATH")
		}
	}
	module, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	repo := base + "/" + uuid.NewString()[:8]
	reportPath := filepath.Join(t.TempDir(), "report.json")

	args := []string{"call", "-m", module,
		"with-env-variable", "--name=BASE_REGISTRY", "--value=" + w.env["BASE_REGISTRY"],
		"build", "--source=" + w.repo.Dir, "--repo=" + repo, "--platform=" + strings.Join(w.platforms, ",")}
	var opts []registry.Option
	if os.Getenv("DAGWERF_E2E_INSECURE") != "" {
		host, _, _ := strings.Cut(base, "/")
		args = append(args, "--insecure-registry")
		opts = append(opts, registry.WithInsecureRegistries(host))
	}
	call := exec.Command(cli, append(args, "export", "--path="+reportPath)...)
	var out bytes.Buffer
	call.Stdout, call.Stderr = &out, &out
	require.NoError(t, call.Run(), "%s", out.String())
	data, err := os.ReadFile(reportPath)
	require.NoError(t, err)
	var fromModule pipeline.Report
	require.NoError(t, json.Unmarshal(data, &fromModule))

	fromCLI, eng := w.buildInto(repo, io.Discard, opts...)
	builds, _ := eng.Calls()
	assert.Zero(t, builds, "the module built and published everything")
	require.Len(t, fromCLI.Images, len(fromModule.Images))
	for img, rec := range fromModule.Images {
		assert.True(t, rec.Rebuilt, img)
		assert.Equal(t, rec.DockerTag, fromCLI.Images[img].DockerTag, img)
		assert.False(t, fromCLI.Images[img].Rebuilt, img)
	}
}
