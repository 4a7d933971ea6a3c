package module

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// A module whose bundle and release image take the version from
// MODULES_MODULE_TAG, as the module template's do (Dockerfile images here, so
// that the stand-in builder can prefill them).
var buildModule = map[string]string{
	"module.yaml": "name: hello-module\n",
	"werf-giterminism.yaml": `giterminismConfigVersion: 1
config:
  goTemplateRendering:
    allowEnvVariables: [MODULES_MODULE_TAG]
`,
	"werf.yaml": `configVersion: 1
project: hello-module
---
image: hello-module/hello
dockerfile: Dockerfile
context: images/hello
---
image: bundle
dockerfile: Dockerfile
context: bundle
args:
  VERSION: {{ env "MODULES_MODULE_TAG" }}
---
image: release-channel-version
dockerfile: Dockerfile
context: bundle
args:
  VERSION: {{ env "MODULES_MODULE_TAG" }}
`,
	"images/hello/Dockerfile": "FROM busybox\n",
	"bundle/Dockerfile":       "FROM scratch\nARG VERSION\nRUN echo $VERSION\n",
}

func moduleBuild(t *testing.T, dir, modules string, env map[string]string, tag string) Build {
	return Build{
		Build: runner.Build{
			Project: runner.Project{Dir: dir, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
			Plan:    runner.DefaultPlan,
			Storage: runner.Storage{Home: t.TempDir(), DockerConfig: t.TempDir(), Synchronization: ":local"},
			Version: "test", ReportPath: filepath.Join(t.TempDir(), "images_tags_werf.json"),
		},
		Target: Target{Source: modules},
		Tag:    tag,
	}
}

// The build goes to <modules-source>/<module.yaml's name>, and the tag reaches
// the templates as MODULES_MODULE_TAG: a registry that has the build of this
// tag (an earlier run's) builds nothing — this test has no engine.
func TestBuild(t *testing.T) {
	g := gittest.New(t)
	g.CommitFiles(buildModule)
	reg := registrytest.New(t)
	want := enginetest.PrefillEnv(t, g.Dir, reg.Host+"/modules/hello-module", map[string]string{TagVariable: "v1.2.3"})

	// The environment's MODULES_MODULE_TAG gives way to Tag.
	b := moduleBuild(t, g.Dir, reg.Host+"/modules", map[string]string{TagVariable: "v0.0.1"}, "v1.2.3")
	report, err := b.Run(context.Background())
	require.NoError(t, err)
	for _, img := range []string{"hello-module/hello", BundleImage, ReleaseImage} {
		assert.Equal(t, want.Images[img].DockerImageName, report.Images[img].DockerImageName, img)
		assert.False(t, report.Images[img].Rebuilt, img)
	}
	saved, err := pipeline.ReadReport(b.ReportPath)
	require.NoError(t, err)
	assert.Equal(t, want.Images[BundleImage].DockerImageDigest, saved.Images[BundleImage].DockerImageDigest)

	// Without Tag, the environment's.
	b = moduleBuild(t, g.Dir, reg.Host+"/modules", map[string]string{TagVariable: "v1.2.3"}, "")
	report, err = b.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want.Images[BundleImage].DockerImageName, report.Images[BundleImage].DockerImageName)
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct {
		name  string
		edit  map[string]string
		build func(b *Build)
		err   string
	}{
		{
			name: "the tag without the giterminism allowance",
			edit: map[string]string{"werf-giterminism.yaml": "giterminismConfigVersion: 1\n"},
			err:  `environment variable "MODULES_MODULE_TAG" is not allowed: list it in werf-giterminism.yaml (config.goTemplateRendering.allowEnvVariables)`,
		},
		{
			name: "no bundle image",
			edit: map[string]string{"werf.yaml": `configVersion: 1
project: hello-module
---
image: release-channel-version
dockerfile: Dockerfile
context: images/hello
`},
			err: `werf.yaml has no image "bundle": a Deckhouse module's build makes "bundle" (the module) and "release-channel-version" (its version)`,
		},
		{
			name:  "an envfile report",
			build: func(b *Build) { b.ReportPath = "images.env" },
			err:   `--build-report-path "images.env": a module's release reads a JSON report; give a .json path`,
		},
		{
			name:  "no source and no repo",
			build: func(b *Build) { b.Target = Target{} },
			err:   errNoRepo.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := gittest.New(t)
			files := map[string]string{}
			for k, v := range buildModule {
				files[k] = v
			}
			for k, v := range tt.edit {
				files[k] = v
			}
			g.CommitFiles(files)
			reg := registrytest.New(t)
			if tt.edit["werf.yaml"] != "" {
				enginetest.PrefillEnv(t, g.Dir, reg.Host+"/modules/hello-module", nil)
			}
			b := moduleBuild(t, g.Dir, reg.Host+"/modules", nil, "v1.2.3")
			if tt.build != nil {
				tt.build(&b)
			}
			_, err := b.Run(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
