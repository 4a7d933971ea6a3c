package e2e

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// failingProject has an image whose RUN fails after printing, an independent
// image that takes a while, and an image that depends on the failing one.
func failingProject(t *testing.T) string {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"werf.yaml": `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: failing
---
image: broken
dockerfile: broken.Dockerfile
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
---
image: fine
dockerfile: fine.Dockerfile
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
---
image: after-broken
dockerfile: fine.Dockerfile
args: {BUSYBOX: {{ $registry }}/busybox:1.36}
dependencies:
- image: broken
  imports: [{type: ImageName, targetBuildArg: BROKEN}]
`,
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n",
		"broken.Dockerfile":     "ARG BUSYBOX\nFROM ${BUSYBOX}\nRUN echo preparing\nRUN echo the-step-output-e2e; echo on-stderr-e2e >&2; exit 3\n",
		"fine.Dockerfile":       "ARG BUSYBOX\nARG BROKEN\nFROM ${BUSYBOX}\nRUN echo fine > /fine\n",
	})
	return dir
}

// A failing image names its failing instruction and shows its output; by
// default the build stops, with --keep-going the independent images finish and
// the dependents of the failed one are skipped.
func TestFailingImage(t *testing.T) {
	w := newWorld(t, failingProject(t))
	w.platforms = w.platforms[:1]

	var log bytes.Buffer
	_, _, err := w.run(w.reg.Host+"/stop", &log, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `image "broken"`)
	assert.Contains(t, err.Error(), "RUN echo the-step-output-e2e; echo on-stderr-e2e >&2; exit 3: exit code 3\n")
	assert.Contains(t, err.Error(), "  | the-step-output-e2e\n  | on-stderr-e2e")
	assert.NotContains(t, err.Error(), `image "fine"`)
	assert.NotContains(t, err.Error(), `after-broken`)

	log.Reset()
	_, _, err = w.run(w.reg.Host+"/keep-going", &log, func(b *pipeline.Build) { b.KeepGoing = true })
	require.Error(t, err)
	assert.Contains(t, err.Error(), `image "broken"`)
	assert.NotContains(t, err.Error(), `image "fine"`)
	assert.Regexp(t, `image broken: failed`, log.String())
	assert.Regexp(t, `image fine: published`, log.String())
	assert.Regexp(t, `image after-broken: skipped: its dependency broken failed`, log.String())
	assert.NotEmpty(t, tags(t, w.reg.Host+"/keep-going"), "fine is published")
}
