package cleanup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/cleanup"
)

// stagedShop is one staged image whose build stage is a werf image of its
// own (worker/stage/build), with werf.yaml's keep policies: main keeps one
// image, tags v<N> keep theirs (imagesPerReference unset: werf's last 1).
var stagedShop = map[string]string{
	"werf.yaml": `configVersion: 1
project: shop
cleanup:
  keepPolicies:
  - references: {branch: main}
    imagesPerReference: {last: 1}
  - references: {tag: /v\d+/}
---
image: worker
dockerfile: Dockerfile
staged: true
`,
	"Dockerfile": `FROM busybox AS build
COPY run.sh /src/run.sh
RUN cp /src/run.sh /out

FROM busybox
WORKDIR /srv/worker
COPY --from=build /out /srv/worker/run.sh
COPY notes.txt /srv/worker/notes.txt
`,
	"run.sh":                "echo v1\n",
	"notes.txt":             "notes v1\n",
	"werf-giterminism.yaml": "giterminismConfigVersion: 1\ncli: {allowCustomTags: true}\n",
}

// chain is every stage tag of image at label: each stage of its staged
// Dockerfile, the last one the image's.
func (p *project) chain(label, image string) []string {
	p.t.Helper()
	ri, ok := p.reports[label].Images[image]
	require.True(p.t, ok, "%s has no %s", label, image)
	var out []string
	for _, st := range ri.Stages {
		out = append(out, st.DockerTag)
	}
	require.NotEmpty(p.t, out)
	return out
}

// The expectations follow werf's rules with these policies:
//
//	main     M1 (50h) - M2 (40h, run.sh) - M3 (30h, notes.txt)
//	tag v1   at M1
//	feature  from M3: F1 (20h, run.sh): no policy selects it
//
// worker changes at every commit; main reaches M3's, M2's and M1's and keeps
// the newest commit's, M3's; v1 keeps M1's. worker/stage/build is M1's, then
// M2's (= M3's): main keeps M2's through M3, v1 M1's. Every stage a kept
// stage is built on (werf.io/parent-stage-id) is kept as its ancestor; the
// rest goes.
func TestCleanupStagedImageWithKeepPolicies(t *testing.T) {
	p := newProject(t, stagedShop)
	p.commitAndBuild("M1", 50*time.Hour, nil)
	p.git.Git("tag", "v1")
	p.commitAndBuild("M2", 40*time.Hour, map[string]string{"run.sh": "echo v2\n"})
	p.commitAndBuild("M3", 30*time.Hour, map[string]string{"notes.txt": "notes v3\n"})
	p.git.Git("push", "-q", "origin", "main", "v1")
	p.git.Git("checkout", "-q", "-b", "feature")
	p.commitAndBuild("F1", 20*time.Hour, map[string]string{"run.sh": "echo feature\n"})
	p.git.Git("push", "-q", "origin", "feature")
	p.git.Git("checkout", "-q", "main")

	kept := sortedSet(p.chain("M1", "worker"), p.chain("M3", "worker"), p.chain("M1", "worker/stage/build"), p.chain("M3", "worker/stage/build"))
	var all []string
	for _, l := range []string{"M1", "M2", "M3", "F1"} {
		all = append(all, p.chain(l, "worker")...)
		all = append(all, p.chain(l, "worker/stage/build")...)
	}
	deleted := withoutAll(sortedSet(all), kept)
	require.Equal(t, p.chain("M2", "worker/stage/build"), p.chain("M3", "worker/stage/build"))
	require.NotEmpty(t, deleted)

	rep, out, err := p.cleanup(cleanup.Options{DryRun: true})
	require.NoError(t, err, out)
	got := rep.KeptStages()
	for _, tag := range kept {
		assert.Contains(t, got, tag)
	}
	var gotDeleted []string
	for _, it := range rep.Deleted {
		if it.Type == cleanup.TypeStage {
			gotDeleted = append(gotDeleted, it.Tag)
		}
	}
	assert.Equal(t, deleted, sortedSet(gotDeleted))
	assert.True(t, strings.Contains(out, "references={branch=^main$} imagesPerReference={last=1 operator=And}"))
	assert.True(t, strings.Contains(out, `references={tag=^v\d+$} imagesPerReference={last=1 operator=And}`))
	assert.True(t, strings.Contains(out, "branch origin/main at "))
	assert.False(t, strings.Contains(out, "origin/feature"))
	ancestors := 0
	for _, r := range got {
		if strings.HasPrefix(r, "ancestor: parent ") {
			ancestors++
		}
	}
	assert.NotZero(t, ancestors, "the stages under kept ones are kept as ancestors")
	if t.Failed() {
		t.Log(out)
	}

	_, out, err = p.cleanup(cleanup.Options{})
	require.NoError(t, err, out)
	for _, ref := range []string{"main", "v1"} {
		p.git.Git("checkout", "-q", ref)
		p.build("rebuild-"+ref, buildOptions{})
		assert.Zero(t, p.builds["rebuild-"+ref], ref)
	}
}
