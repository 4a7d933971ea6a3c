package pipeline_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// stageList lists an image's stages in order, a rebuilt one marked "*".
func stageList(r *pipeline.Report, img string) []string {
	var out []string
	for _, s := range r.Images[img].Stages {
		n := s.Name
		if s.Rebuilt {
			n += "*"
		}
		out = append(out, n)
	}
	return out
}

// A user stage after gitArchive, rebuilt over a stage that holds older
// commits, first brings the mapping's files up to HEAD, as werf's
// UserWithGitPatchStage does (pkg/build/stage/user_with_git_patch.go; the
// buildah backend applies data archives before the commands): its commands
// run over HEAD's files, changed, added and deleted, and the stage records
// HEAD, so no gitLatestPatch follows it.
func TestStapelUserStageAppliesTheGitPatch(t *testing.T) {
	w := newStapelWorld(t, `configVersion: 1
project: st
---
image: app
from: $BASE_REF
git:
- add: /src
  to: /app
  stageDependencies:
    setup: ['*.sh']
shell:
  install: [echo install]
  setup: [echo setup]
`, map[string]string{"src/run.sh": "v1\n", "src/notes.txt": "n1\n", "src/old.txt": "old\n"})
	first, _, _ := w.build("st")
	assert.Equal(t, []string{"from*", "gitArchive*", "install*", "setup*"}, stageList(first, "app"))

	// Under no stageDependencies: a gitLatestPatch.
	w.repo.Write("src/notes.txt", "n2\n")
	w.repo.Remove("src/old.txt")
	w.repo.Commit("notes, old.txt")
	second, fake, _ := w.build("st")
	assert.Equal(t, []string{"from", "gitArchive", "install", "setup", "gitLatestPatch*"}, stageList(second, "app"))
	assert.Zero(t, fake.Shells())

	// Under stageDependencies.setup: setup over HEAD's files.
	w.repo.Write("src/run.sh", "v2\n")
	w.repo.Commit("run.sh")
	before := len(listTags(t, w.repoAddress()))
	third, fake, _ := w.build("st")
	assert.Equal(t, []string{"from", "gitArchive", "install", "setup*"}, stageList(third, "app"))
	require.Len(t, fake.ShellRequests, 1)
	req := fake.ShellRequests[0]
	assert.Equal(t, "setup", req.Stage)
	for what, ref := range map[string]string{"the container setup ran in": req.Base, "the image": w.repoAddress() + ":" + third.Images["app"].DockerTag} {
		files := listFiles(t, ref)
		assert.Equal(t, "v2\n", files["app/run.sh"], what)
		assert.Equal(t, "n2\n", files["app/notes.txt"], what)
		assert.NotContains(t, files, "app/old.txt", what)
	}
	assert.Len(t, listTags(t, w.repoAddress()), before+1, "one stage; the container setup ran in has no tag")

	again, fake, _ := w.build("st")
	assert.Zero(t, fake.Shells())
	assert.Equal(t, third.Images["app"].DockerTag, again.Images["app"].DockerTag)
}
