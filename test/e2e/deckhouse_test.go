package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/module"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// The module of test/module (the shape of deckhouse/modules-template: base-image
// aliases, a Stapel and a Dockerfile image, images-digests, batch hooks,
// bundle, release, build.imageSpec) builds, releases and deploys into a
// registry; the tags and the contents of version.json and images_digests.json
// are what the module actions would publish; a second build and release change
// nothing.
func TestDeckhouseModule(t *testing.T) {
	w := newWorld(t, filepath.Join("..", "module"))
	platform := "linux/" + runtime.GOARCH
	if !slices.Contains(w.platforms, platform) {
		platform = w.platforms[0]
	}
	source := w.reg.Host + "/modules"
	repo := source + "/hello-module"
	const tag = "v1.2.3"
	home, reportPath := t.TempDir(), filepath.Join(t.TempDir(), "images_tags_werf.json")
	build := func() *pipeline.Report {
		t.Helper()
		b := module.Build{
			Build: runner.Build{
				Project:    runner.Project{Dir: w.repo.Dir, LookupEnv: w.lookup},
				Plan:       runner.Plan{Platforms: []string{platform}, Parallel: true, Limit: 5},
				Storage:    runner.Storage{Home: home, DockerConfig: home, Synchronization: ":local"},
				ReportPath: reportPath, Version: "e2e",
			},
			Target: module.Target{Source: source},
			Tag:    tag,
		}
		report, err := b.Run(context.Background())
		require.NoError(t, err)
		return report
	}
	release := func(report *pipeline.Report) *module.ReleaseResult {
		t.Helper()
		res, err := module.Release{
			Target: module.Target{Source: source}, Project: runner.Project{Dir: w.repo.Dir},
			Access: runner.Storage{Home: home, DockerConfig: home}, Tag: tag, Report: report,
		}.Run(context.Background())
		require.NoError(t, err)
		return res
	}

	report := build()
	for _, img := range []string{module.BundleImage, module.ReleaseImage, "hello-module/echo", "hello-module/hello"} {
		require.Contains(t, report.Images, img)
		assert.Equal(t, repo, report.Images[img].DockerRepo, img)
		assert.True(t, report.Images[img].Final, img)
	}
	assert.False(t, report.Images["images-digests-and-version"].Final)
	saved, err := pipeline.ReadReport(reportPath)
	require.NoError(t, err)
	assert.Equal(t, report.Images[module.BundleImage].DockerImageName, saved.Images[module.BundleImage].DockerImageName)

	res := release(report)
	assert.True(t, res.Bundle.Written && res.Release.Written && res.Registration.Written)
	bundleRef, releaseRef := repo+":"+tag, repo+"/release:"+tag
	assert.Equal(t, report.Images[module.BundleImage].DockerImageDigest, res.Bundle.Digest)
	assert.Equal(t, report.Images[module.ReleaseImage].DockerImageDigest, res.Release.Digest)
	assert.Equal(t, source+":hello-module", res.Registration.Ref)
	assert.Equal(t, "sha256:3d56b3c004797db33c7f771a2194d4c43a6cb740954863530b45f471da48cc08", res.Registration.Digest, "crane append --oci-empty-base's image")
	assert.Contains(t, tags(t, repo), tag)
	assert.Contains(t, tags(t, repo+"/release"), tag)

	// version.json and images_digests.json, as the module template's shell
	// writes them and the actions publish them.
	for _, ref := range []string{bundleRef, releaseRef} {
		var v struct{ Version string }
		require.NoError(t, json.Unmarshal([]byte(fileIn(t, ref, "version.json")), &v), ref)
		assert.Equal(t, tag, v.Version, ref)
	}
	var digests map[string]string
	require.NoError(t, json.Unmarshal([]byte(fileIn(t, bundleRef, "images_digests.json")), &digests))
	assert.Equal(t, map[string]string{
		"echo":  report.Images["hello-module/echo"].DockerImageDigest,
		"hello": report.Images["hello-module/hello"].DockerImageDigest,
	}, digests)
	assert.Equal(t, "name: hello-module\nweight: 900\nstage: Experimental\n", fileIn(t, releaseRef, "module.yaml"))

	d := module.Deploy{
		Target: module.Target{Source: source}, Project: runner.Project{Dir: w.repo.Dir},
		Access: runner.Storage{Home: home, DockerConfig: home}, Tag: tag, Channel: "alpha",
	}
	dep, err := d.Run(context.Background())
	require.NoError(t, err)
	assert.True(t, dep.Channel.Written)
	assert.Equal(t, res.Release.Digest, dep.Channel.Digest)

	// Again: nothing is built, nothing is written.
	again := build()
	for n, rec := range report.Images {
		assert.Equal(t, rec.DockerImageName, again.Images[n].DockerImageName, n)
		assert.False(t, again.Images[n].Rebuilt, n)
	}
	w.reg.ResetRequests()
	res = release(again)
	assert.False(t, res.Bundle.Written || res.Release.Written || res.Registration.Written)
	dep, err = d.Run(context.Background())
	require.NoError(t, err)
	assert.False(t, dep.Channel.Written)
	assert.Zero(t, w.reg.Count("PUT", ""), "no manifest written")
	assert.Zero(t, w.reg.Count("POST", ""), "no blob uploaded")
}
