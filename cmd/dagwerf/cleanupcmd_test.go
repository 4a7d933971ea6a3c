package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// cleanupProject is a project committed and pushed to its origin, its stages
// built into a test registry just now (without werf's records).
func cleanupProject(t *testing.T) (dir, repo string) {
	t.Helper()
	r := gittest.New(t)
	r.WithOrigin()
	r.CommitFiles(map[string]string{
		"werf.yaml":  "configVersion: 1\nproject: shop\n---\nimage: app\ndockerfile: Dockerfile\n",
		"Dockerfile": "FROM busybox\nRUN true\n",
	})
	r.Git("push", "-q", "origin", "main")
	reg := registrytest.New(t)
	repo = reg.Host + "/shop"
	enginetest.Prefill(t, r.Dir, repo)
	return r.Dir, repo
}

func listTags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo)
	require.NoError(t, err)
	tags, err := remote.List(r)
	require.NoError(t, err)
	slices.Sort(tags)
	return tags
}

func TestCleanupCommand(t *testing.T) {
	dir, repo := cleanupProject(t)
	before := listTags(t, repo)
	require.Len(t, before, 1)
	common := []string{"cleanup", "--dir", dir, "--repo", repo, "--insecure-registry", "--without-kube"}

	// Built just now: the 2-hour policy keeps it.
	stdout, stderr, code := dagwerf(t, nil, append(common, "--dry-run")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "keep   "+before[0]+"  (built within last 2 hours: created ")
	assert.Contains(t, stdout, "To delete: 0 tags")

	// Without the time policy nothing keeps it (no meta record links it).
	stdout, stderr, code = dagwerf(t, map[string]string{"WERF_KEEP_STAGES_BUILT_WITHIN_LAST_N_HOURS": "0", "WERF_DRY_RUN": "true"}, common...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "would delete stage "+before[0]+"  (no meta record links it to a commit the repository has; time policy off; no kept stage needs it)")
	assert.Equal(t, before, listTags(t, repo))

	report := filepath.Join(t.TempDir(), "cleanup")
	stdout, stderr, code = dagwerf(t, nil, append(common, "--keep-stages-built-within-last-n-hours", "0", "--save-cleanup-report", "--cleanup-report-path", report)...)
	require.Equal(t, 0, code, stderr)
	data, err := os.ReadFile(report + ".json")
	require.NoError(t, err)
	assert.JSONEq(t, `{"command": "cleanup", "dryRun": false, "repo": "`+repo+`", "kept": [],
		"deleted": [{"type": "stage", "tag": "`+before[0]+`", "reason": "no meta record links it to a commit the repository has; time policy off; no kept stage needs it"}]}`, string(data))
	assert.Contains(t, stdout, "Fetching origin's branches and tags")
	assert.Contains(t, stdout, "Deleted 1 tags")
	assert.Equal(t, []string{"cleanup"}, listTags(t, repo), "the stage is gone; werf's cleanup record is written")

	_, stderr, code = dagwerf(t, nil, append(common, "--keep-stages-built-within-last-n-hours", "-1")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cannot be negative")
}

// With the Kubernetes-based policy on and no cluster to ask, the cleanup
// stops before reading the registry.
func TestCleanupCommandNeedsKubernetes(t *testing.T) {
	dir, repo := cleanupProject(t)
	empty := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, stderr, code := dagwerf(t, map[string]string{"KUBECONFIG": empty, "HOME": t.TempDir()},
		"cleanup", "--dir", dir, "--repo", repo, "--insecure-registry", "--keep-stages-built-within-last-n-hours", "0")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "the Kubernetes-based policy needs access to the clusters")
	assert.Contains(t, stderr, "--without-kube")
	assert.Len(t, listTags(t, repo), 1)
}

func TestPurgeCommandAsksForForce(t *testing.T) {
	dir, repo := cleanupProject(t)
	common := []string{"purge", "--dir", dir, "--repo", repo, "--insecure-registry"}
	_, stderr, code := dagwerf(t, nil, common...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "pass --force to confirm")
	assert.Len(t, listTags(t, repo), 1)

	stdout, stderr, code := dagwerf(t, nil, append(common, "--dry-run")...)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.Contains(stdout, "would delete "), stdout)
	assert.Len(t, listTags(t, repo), 1)

	_, stderr, code = dagwerf(t, nil, append(common, "--force")...)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, listTags(t, repo))
}
