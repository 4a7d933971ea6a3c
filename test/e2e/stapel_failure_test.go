package e2e

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingStapelYAML has a user stage whose second command fails after
// printing, over a beforeInstall that succeeds. INSTALL is replaced.
const failingStapelYAML = `{{ $registry := env "BASE_REGISTRY" }}
configVersion: 1
project: stapel-failing
---
image: app
from: {{ $registry }}/busybox:1.36
shell:
  beforeInstall: [echo before > /before.txt]
  install:
  - echo preparing
  - INSTALL
`

// A Stapel command that fails on the engine fails its image with one error
// naming the image, the stage and the command once each, its exit code and
// the end of its output; the stage before it stays published, and once the
// command is fixed the next run finds it and builds from the failed stage on.
func TestStapelFailingCommand(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"werf.yaml":             strings.Replace(failingStapelYAML, "INSTALL", `echo the-step-output-e2e; echo on-stderr-e2e >&2; exit 3`, 1),
		"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig:\n  goTemplateRendering: {allowEnvVariables: [BASE_REGISTRY]}\n",
	})
	w := newWorld(t, dir)
	w.platforms = w.platforms[:1]
	repo := w.reg.Host + "/stapel-failing"

	var log bytes.Buffer
	_, _, err := w.run(repo, &log, nil)
	require.Error(t, err)
	msg := err.Error()
	t.Log(msg)
	assert.Equal(t, 1, strings.Count(msg, `image "app"`), msg)
	assert.Equal(t, 1, strings.Count(msg, "stage install"), msg)
	assert.Contains(t, msg, "command 2 of 2: echo the-step-output-e2e; echo on-stderr-e2e >&2; exit 3: exit code 3\n")
	assert.Contains(t, msg, "  | preparing\n  | the-step-output-e2e\n  | on-stderr-e2e", "the end of the stage's output")

	w.repo.Write("werf.yaml", strings.Replace(failingStapelYAML, "INSTALL", "echo fixed > /install.txt", 1))
	w.repo.Commit("fix install")
	report, _, err := w.run(repo, &log, nil)
	require.NoError(t, err)
	var states []string
	for _, s := range report.Images["app"].Stages {
		n := s.Name
		if s.Rebuilt {
			n += "*"
		}
		states = append(states, n)
	}
	assert.Equal(t, []string{"from", "beforeInstall", "install*"}, states)
	ref := repo + ":" + report.Images["app"].DockerTag
	assert.Equal(t, "before\n", fileIn(t, ref, "before.txt"))
	assert.Equal(t, "fixed\n", fileIn(t, ref, "install.txt"))
}
