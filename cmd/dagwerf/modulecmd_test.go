package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/module"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// moduleFiles is an image of regular files at its root.
func moduleFiles(t *testing.T, files map[string]string) v1.Image {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for n, body := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	require.NoError(t, err)
	img, err := mutate.AppendLayers(empty.Image, l)
	require.NoError(t, err)
	return img
}

// pushModuleBuild stores a module's build of tag in repo as `module build`
// leaves it, and writes its report to reportPath.
func pushModuleBuild(t *testing.T, repo, tag, reportPath string) *pipeline.Report {
	t.Helper()
	app, err := random.Image(64, 1)
	require.NoError(t, err)
	appDigest, err := app.Digest()
	require.NoError(t, err)
	version := fmt.Sprintf(`{"version": %q}`, tag)
	images := map[string]v1.Image{
		"hello-module/hello": app,
		module.BundleImage: moduleFiles(t, map[string]string{
			"version.json": version, "images_digests.json": `{"hello": "` + appDigest.String() + `"}`, "module.yaml": "name: hello-module\n",
		}),
		module.ReleaseImage: moduleFiles(t, map[string]string{"version.json": version, "module.yaml": "name: hello-module\n"}),
	}
	report := &pipeline.Report{Images: map[string]pipeline.ReportImage{}}
	for n, img := range images {
		h, err := img.Digest()
		require.NoError(t, err)
		ref, err := name.NewTag(repo + ":" + h.Hex[:56] + "-1700000000000")
		require.NoError(t, err)
		require.NoError(t, remote.Write(ref, img))
		report.Images[n] = pipeline.ReportImage{
			WerfImageName: n, DockerRepo: repo, DockerTag: ref.TagStr(), DockerImageName: ref.String(),
			DockerImageDigest: h.String(), Final: true,
		}
	}
	require.NoError(t, report.Write(reportPath))
	return report
}

func headDigest(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	d, err := remote.Head(r)
	if err != nil {
		return ""
	}
	return d.Digest.String()
}

// release and deploy from the command line, their arguments from MODULES_*
// variables as the module actions' GitLab templates set them; WERF_REPO (which
// ci-env sets for applications) is not the module's repository.
func TestModuleReleaseAndDeployCommands(t *testing.T) {
	g := gittest.New(t)
	g.CommitFiles(map[string]string{"module.yaml": "name: hello-module\n"})
	reg := registrytest.New(t)
	source := reg.Host + "/modules"
	repo := source + "/hello-module"
	reportPath := filepath.Join(t.TempDir(), "images_tags_werf.json")
	report := pushModuleBuild(t, repo, "v1.2.3", reportPath)
	env := map[string]string{
		"MODULES_MODULE_SOURCE": source, "MODULES_MODULE_TAG": "v1.2.3", "WERF_BUILD_REPORT_PATH": reportPath,
		"WERF_DIR": g.Dir, "WERF_REPO": reg.Host + "/elsewhere",
	}

	stdout, stderr, code := dagwerf(t, env, "module", "release")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, fmt.Sprintf("bundle: %s -> %s:v1.2.3 (written)\nrelease: %s -> %s/release:v1.2.3 (written)\nregistration: %s:hello-module (written)\n",
		report.Images[module.BundleImage].DockerImageName, repo, report.Images[module.ReleaseImage].DockerImageName, repo, source), stdout)
	assert.Equal(t, report.Images[module.BundleImage].DockerImageDigest, headDigest(t, repo+":v1.2.3"))

	stdout, stderr, code = dagwerf(t, env, "module", "release", "--module-name", "hello-module", "--dir", t.TempDir())
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "registration: "+source+":hello-module (up to date)\n", "--module-name: module.yaml is not read")

	env["RELEASE_CHANNEL"] = "alpha"
	stdout, stderr, code = dagwerf(t, env, "module", "deploy")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "channel alpha: "+repo+"/release:v1.2.3 -> "+repo+"/release:alpha (written)\n", stdout)

	// An older version is refused, unless forced.
	pushModuleBuild(t, repo, "v1.0.0", reportPath)
	_, stderr, code = dagwerf(t, env, "module", "release", "--tag", "v1.0.0")
	require.Equal(t, 0, code, stderr)
	_, stderr, code = dagwerf(t, env, "module", "deploy", "--tag", "v1.0.0")
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: channel alpha has v1.2.3, newer than v1.0.0: deploying would move it back; give --force to do it anyway\n", stderr)
	_, stderr, code = dagwerf(t, env, "module", "deploy", "--tag", "v1.0.0", "--force")
	require.Equal(t, 0, code, stderr)

	_, stderr, code = dagwerf(t, env, "module", "deploy", "--tag", "v1.0.0", "--channel", "beta", "--check-previous-channel")
	require.Equal(t, 0, code, stderr)
	_, stderr, code = dagwerf(t, env, "module", "deploy", "--channel", "stable", "--check-previous-channel")
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: channel stable: the previous channel early-access has no release; deploy v1.2.3 to early-access first\n", stderr)
}

func TestModuleCommandErrors(t *testing.T) {
	g := gittest.New(t)
	g.CommitFiles(map[string]string{"module.yaml": "name: hello-module\n"})
	reg := registrytest.New(t)
	source := reg.Host + "/modules"
	reportPath := filepath.Join(t.TempDir(), "images_tags_werf.json")
	pushModuleBuild(t, source+"/hello-module", "v1.2.3", reportPath)
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"release", "--tag", "v1.2.3"}, "Error: --modules-source (or $MODULES_MODULE_SOURCE) is required"},
		{[]string{"release", "--modules-source", source, "--tag", "v9.9.9"}, `Error: module hello-module v9.9.9 is not released: 2 problems:` + "\n" + `  - bundle image`},
		{[]string{"release", "--modules-source", source, "--tag", "v1.2.3", "--build-report-path", filepath.Join(t.TempDir(), "none.json")}, "Error: build report: open "},
		{[]string{"deploy", "--modules-source", source, "--tag", "v1.2.3", "--channel", "latest"}, `Error: --channel "latest": a release channel is one of alpha, beta, early-access, stable, rock-solid`},
		{[]string{"deploy", "--modules-source", source, "--tag", "v1.2.3", "--channel", "alpha"}, "Error: release image " + source + "/hello-module/release:v1.2.3 does not exist"},
		{[]string{"build", "--tag", "v1.2.3"}, "Error: --modules-source (or $MODULES_MODULE_SOURCE) or --repo is required"},
	}
	for _, tt := range tests {
		args := append([]string{"module"}, tt.args...)
		args = append(args, "--dir", g.Dir)
		if tt.args[0] == "release" && !strings.Contains(strings.Join(tt.args, " "), "--build-report-path") {
			args = append(args, "--build-report-path", reportPath)
		}
		_, stderr, code := dagwerf(t, nil, args...)
		assert.Equal(t, 1, code, tt.args)
		assert.True(t, strings.HasPrefix(stderr, tt.err), "%v: %s", tt.args, stderr)
	}
}

// module build builds into <modules-source>/<name> with MODULES_MODULE_TAG set
// from --tag, and always writes the report: with everything in the registry
// already, no engine is needed (this test has none).
func TestModuleBuildCommand(t *testing.T) {
	g := gittest.New(t)
	g.CommitFiles(map[string]string{
		"module.yaml":           "name: hello-module\n",
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering:\n    allowEnvVariables: [MODULES_MODULE_TAG]\n",
		"werf.yaml": `configVersion: 1
project: hello-module
---
image: bundle
dockerfile: Dockerfile
args:
  VERSION: {{ env "MODULES_MODULE_TAG" }}
---
image: release-channel-version
dockerfile: Dockerfile
args:
  VERSION: {{ env "MODULES_MODULE_TAG" }}
`,
		"Dockerfile": "FROM scratch\nARG VERSION\nRUN echo $VERSION\n",
	})
	reg := registrytest.New(t)
	source := reg.Host + "/modules"
	want := enginetest.PrefillEnv(t, g.Dir, source+"/hello-module", map[string]string{"MODULES_MODULE_TAG": "v1.2.3"})

	reportPath := filepath.Join(t.TempDir(), "images_tags_werf.json")
	stdout, stderr, code := dagwerf(t, map[string]string{"MODULES_MODULE_SOURCE": source, "WERF_REPO": reg.Host + "/elsewhere"},
		"module", "build", "--dir", g.Dir, "--tag", "v1.2.3", "--build-report-path", reportPath, "--synchronization", ":local")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "image bundle: "+want.Images["bundle"].DockerImageName+" (up to date)\n")
	got, err := pipeline.ReadReport(reportPath)
	require.NoError(t, err)
	assert.Equal(t, want.Images["release-channel-version"].DockerImageName, got.Images["release-channel-version"].DockerImageName)
}
