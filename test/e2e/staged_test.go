package e2e

import (
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// stagedDockerfile has a build stage and a final stage of eleven stages (FROM
// and ten instructions), with a file copied late; CMD comes before ENTRYPOINT,
// which must keep it.
const stagedDockerfile = `ARG BUSYBOX
FROM ${BUSYBOX} AS build
WORKDIR /build
COPY src/ ./src/
RUN read -r a < src/a.txt; read -r b < src/b.txt; echo "$a$b" > out.txt

FROM ${BUSYBOX}
ARG GREETING=hello
ENV GREETING=${GREETING} APP_HOME=/app
WORKDIR /app
COPY --from=build /build/out.txt ./out.txt
RUN echo "$GREETING from $APP_HOME" > greeting.txt
LABEL org.example.stage=final
EXPOSE 8080
COPY late.txt ./late.txt
CMD ["cat /app/out.txt"]
ENTRYPOINT ["/bin/sh", "-c"]
USER 1000
`

// A staged image is built stage by stage; a change to a file copied late
// rebuilds only that COPY and what follows, and the image equals the one a
// whole-Dockerfile build makes.
func TestStagedImageOnTheEngine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"werf.yaml": `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: staged
---
image: app
dockerfile: Dockerfile
staged: true
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
---
image: whole
dockerfile: Dockerfile
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
`,
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n",
		"Dockerfile":            stagedDockerfile,
		"src/a.txt":             "A\n",
		"src/b.txt":             "B\n",
		"late.txt":              "late\n",
	})
	w := newWorld(t, dir)
	w.platforms = w.platforms[:1] // the RUNs read files with builtins, but one platform shows the point
	repo := w.reg.Host + "/staged"
	build := func() *pipeline.Report {
		t.Helper()
		report, _, err := w.run(repo, os.Stderr, nil, registry.WithWarnings(func(string) {}))
		require.NoError(t, err)
		return report
	}

	first := build()
	app, whole := first.Images["app"], first.Images["whole"]
	require.Equal(t, "staged", app.ConfigType)
	var names []string
	for _, s := range app.Stages {
		names = append(names, s.Name)
		assert.True(t, s.Rebuilt || s.Name == "FROM", s.Name)
	}
	assert.Equal(t, []string{"FROM", "ENV", "WORKDIR", "COPY", "RUN", "LABEL", "EXPOSE", "COPY", "CMD", "ENTRYPOINT", "USER"}, names)
	sameImage(t, whole.DockerImageName, app.DockerImageName)
	assert.Equal(t, "AB\n", fileIn(t, app.DockerImageName, "app/out.txt"))
	assert.Equal(t, "hello from /app\n", fileIn(t, app.DockerImageName, "app/greeting.txt"))

	again := build()
	for _, s := range again.Images["app"].Stages {
		assert.False(t, s.Rebuilt, "%s: nothing changed", s.Name)
	}

	w.repo.Write("late.txt", "changed\n")
	w.repo.Commit("change the late file")
	changed := build()
	var rebuilt []bool
	for _, s := range changed.Images["app"].Stages {
		rebuilt = append(rebuilt, s.Rebuilt)
	}
	assert.Equal(t, []bool{false, false, false, false, false, false, false, true, true, true, true}, rebuilt,
		"only the late COPY and the instructions after it")
	assert.Equal(t, "changed\n", fileIn(t, changed.Images["app"].DockerImageName, "app/late.txt"))
	sameImage(t, changed.Images["whole"].DockerImageName, changed.Images["app"].DockerImageName)
}

// sameImage asserts that two images have the same files and the same runtime
// config (env, entrypoint, cmd, user, workdir, ports, labels but werf's).
func sameImage(t *testing.T, want, got string) {
	t.Helper()
	assert.Equal(t, filesystemFiles(t, want), filesystemFiles(t, got), "files")
	wc, gc := configOf(t, want), configOf(t, got)
	assert.Equal(t, wc.Env, gc.Env, "env")
	assert.Equal(t, wc.Entrypoint, gc.Entrypoint, "entrypoint")
	assert.Equal(t, wc.Cmd, gc.Cmd, "cmd")
	assert.Equal(t, wc.User, gc.User, "user")
	assert.Equal(t, wc.WorkingDir, gc.WorkingDir, "workdir")
	assert.Equal(t, wc.ExposedPorts, gc.ExposedPorts, "ports")
	assert.Equal(t, "final", gc.Labels["org.example.stage"])
}

func configOf(t *testing.T, ref string) v1.Config {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r)
	require.NoError(t, err)
	cf, err := img.ConfigFile()
	require.NoError(t, err)
	return cf.Config
}
