package stages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/stages/dockerfile"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// werfYAML is a project of one image "app" whose context is ctx; extra is added
// to the image's document.
func werfYAML(extra string) string {
	return "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\ncontext: ctx\n" + extra
}

// stageAt addresses image app at the repository's HEAD for a platform. All of the
// commit that the digest needs is read here, before the test changes the working
// tree again (giterminism compares files read later with the disk); what
// ExplainFiles reads afterwards is git trees only.
func stageAt(t *testing.T, r *gittest.Repo, platform string) *stages.Stage {
	t.Helper()
	snap, err := source.Open(r.Dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	s, err := stages.NewCalculator(cfg, snap).Stage(context.Background(), cfg.Image("app"), platform, nil)
	require.NoError(t, err)
	require.Len(t, s.Inputs, len(s.Dependencies))
	return s
}

const explainDockerfile = `FROM alpine:3.19
ARG VERSION
ENV PREFIX=/opt
RUN make
COPY src /app
RUN echo done
`

// TestExplain commits a project, changes it, commits again and explains the
// second commit's stage against the first's: one case for each kind of change.
func TestExplain(t *testing.T) {
	base := map[string]string{
		"werf.yaml":        werfYAML("args:\n  VERSION: \"1.0\"\ncacheVersion: \"1\"\naddHost: [\"db:10.0.0.1\"]\n"),
		"ctx/Dockerfile":   explainDockerfile,
		"ctx/src/main.go":  "package main\n",
		"ctx/src/old.go":   "package main // old\n",
		"ctx/src/gen.txt":  "generated\n",
		"ctx/src/sub/x.go": "package sub\n",
		"ctx/README.md":    "readme\n",
	}
	dockerfileWith := func(old, new string) func(r *gittest.Repo) {
		return func(r *gittest.Repo) { r.Write("ctx/Dockerfile", strings.Replace(explainDockerfile, old, new, 1)) }
	}
	yamlWith := func(old, new string) func(r *gittest.Repo) {
		return func(r *gittest.Repo) { r.Write("werf.yaml", strings.Replace(base["werf.yaml"], old, new, 1)) }
	}
	tests := []struct {
		name        string
		before      func(r *gittest.Repo) // committed before the old stage is taken
		change      func(r *gittest.Repo)
		newPlatform string // the old stage's is linux/amd64, and so is the new one's unless set
		want        []string
		wantKinds   []stages.ChangeKind
	}{
		{
			name:   "nothing the image takes changed",
			change: func(r *gittest.Repo) { r.Write("ctx/README.md", "another readme\n"); r.Write("NOTES.md", "notes\n") },
		},
		{
			name:      "instruction text",
			change:    dockerfileWith("RUN make\n", "RUN make all\n"),
			want:      []string{"ctx/Dockerfile:4: RUN make → RUN make all"},
			wantKinds: []stages.ChangeKind{stages.ChangeInstruction},
		},
		{
			name:      "inserted instruction is one added instruction",
			change:    dockerfileWith("RUN make\n", "RUN make\nRUN make test\n"),
			want:      []string{"ctx/Dockerfile:5: added RUN make test"},
			wantKinds: []stages.ChangeKind{stages.ChangeAdded},
		},
		{
			name:      "inserted COPY is one added instruction",
			change:    dockerfileWith("RUN make\n", "COPY README.md /\nRUN make\n"),
			want:      []string{"ctx/Dockerfile:4: added COPY README.md /"},
			wantKinds: []stages.ChangeKind{stages.ChangeAdded},
		},
		{
			name:   "an instruction inserted before a changed one",
			change: dockerfileWith("RUN make\n", "RUN lint\nRUN make all\n"),
			want: []string{
				"ctx/Dockerfile:4: added RUN lint",
				"ctx/Dockerfile:5: RUN make → RUN make all",
			},
			wantKinds: []stages.ChangeKind{stages.ChangeAdded, stages.ChangeInstruction},
		},
		{
			name:      "removed instruction",
			change:    dockerfileWith("RUN make\n", ""),
			want:      []string{"removed RUN make (was at ctx/Dockerfile:4)"},
			wantKinds: []stages.ChangeKind{stages.ChangeRemoved},
		},
		{
			name:      "base image reference",
			change:    dockerfileWith("alpine:3.19", "alpine:3.20"),
			want:      []string{"base image: alpine:3.19 → alpine:3.20 (FROM at ctx/Dockerfile:1)"},
			wantKinds: []stages.ChangeKind{stages.ChangeBaseImage},
		},
		{
			name:      "build arg from werf.yaml",
			change:    yamlWith(`VERSION: "1.0"`, `VERSION: "1.1"`),
			want:      []string{"build arg VERSION: 1.0 → 1.1 (ARG at ctx/Dockerfile:2)"},
			wantKinds: []stages.ChangeKind{stages.ChangeBuildArg},
		},
		{
			name: "build arg default in the Dockerfile",
			before: func(r *gittest.Repo) {
				r.Write("werf.yaml", werfYAML(""))
				r.Write("ctx/Dockerfile", strings.Replace(explainDockerfile, "ARG VERSION\n", "ARG VERSION=1.0\n", 1))
			},
			change: func(r *gittest.Repo) {
				r.Write("ctx/Dockerfile", strings.Replace(explainDockerfile, "ARG VERSION\n", "ARG VERSION=1.1\n", 1))
			},
			want:      []string{"build arg VERSION: 1.0 → 1.1 (ARG at ctx/Dockerfile:2)"},
			wantKinds: []stages.ChangeKind{stages.ChangeBuildArg},
		},
		{
			name:   "build arg that an instruction expands",
			before: dockerfileWith("RUN make\n", "RUN make VERSION=$VERSION\n"),
			change: yamlWith(`VERSION: "1.0"`, `VERSION: "1.1"`),
			want: []string{
				"build arg VERSION: 1.0 → 1.1 (ARG at ctx/Dockerfile:2)",
				"ctx/Dockerfile:4: RUN make VERSION=$VERSION expands differently: RUN make VERSION=1.0 → RUN make VERSION=1.1",
			},
			wantKinds: []stages.ChangeKind{stages.ChangeBuildArg, stages.ChangeInstruction},
		},
		{
			name:      "ENV value",
			change:    dockerfileWith("PREFIX=/opt", "PREFIX=/usr/local"),
			want:      []string{"ENV PREFIX: /opt → /usr/local (ENV at ctx/Dockerfile:3)"},
			wantKinds: []stages.ChangeKind{stages.ChangeEnv},
		},
		{
			name:      "cacheVersion",
			change:    yamlWith(`cacheVersion: "1"`, `cacheVersion: "2"`),
			want:      []string{"cacheVersion: 1 → 2"},
			wantKinds: []stages.ChangeKind{stages.ChangeCacheVersion},
		},
		{
			name:      "addHost",
			change:    yamlWith("db:10.0.0.1", "db:10.0.0.2"),
			want:      []string{"addHost: db:10.0.0.1 → db:10.0.0.2"},
			wantKinds: []stages.ChangeKind{stages.ChangeAddHost},
		},
		{
			name:        "platform",
			change:      func(*gittest.Repo) {},
			newPlatform: "linux/arm64",
			want:        []string{"platform: linux/amd64 → linux/arm64"},
			wantKinds:   []stages.ChangeKind{stages.ChangePlatform},
		},
		{
			name:      "context file changed",
			change:    func(r *gittest.Repo) { r.Write("ctx/src/main.go", "package main // v2\n") },
			want:      []string{"src/main.go changed (COPY src /app at ctx/Dockerfile:5)"},
			wantKinds: []stages.ChangeKind{stages.ChangeContextFiles},
		},
		{
			name: "context files added, changed and removed",
			change: func(r *gittest.Repo) {
				r.Write("ctx/src/sub/x.go", "package sub // v2\n")
				r.Write("ctx/src/new.go", "package main // new\n")
				r.Remove("ctx/src/old.go")
			},
			want:      []string{"src/new.go added, src/old.go removed, src/sub/x.go changed (COPY src /app at ctx/Dockerfile:5)"},
			wantKinds: []stages.ChangeKind{stages.ChangeContextFiles},
		},
		{
			name:      "a .dockerignore leaves an unchanged file out",
			change:    func(r *gittest.Repo) { r.Write("ctx/.dockerignore", "src/gen.txt\n") },
			want:      []string{"src/gen.txt removed (COPY src /app at ctx/Dockerfile:5)"},
			wantKinds: []stages.ChangeKind{stages.ChangeContextFiles},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			r.CommitFiles(base)
			if tt.before != nil {
				tt.before(r)
				r.Commit("before")
			}
			newPlatform := "linux/amd64"
			if tt.newPlatform != "" {
				newPlatform = tt.newPlatform
			}
			old := stageAt(t, r, "linux/amd64")
			tt.change(r)
			r.Commit("change")
			new := stageAt(t, r, newPlatform)

			changes, err := stages.ExplainFiles(context.Background(), old, new)
			require.NoError(t, err)
			var said []string
			var kinds []stages.ChangeKind
			for _, c := range changes {
				said = append(said, c.String())
				kinds = append(kinds, c.Kind)
			}
			assert.Equal(t, tt.want, said)
			assert.Equal(t, tt.wantKinds, kinds)
			if len(tt.want) == 0 {
				assert.Equal(t, old.Digest, new.Digest, "no change, no new digest")
			} else {
				assert.NotEqual(t, old.Digest, new.Digest, "a change is a new digest")
			}
		})
	}
}

// A stage whose entries several stages take in is said to change once.
func TestExplainLinkedStagesSayOnce(t *testing.T) {
	const df = `FROM golang AS build
RUN make
FROM build AS test
RUN make test
FROM alpine
COPY --from=build /out /out
COPY --from=test /report /report
`
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"werf.yaml": werfYAML(""), "ctx/Dockerfile": df})
	old := stageAt(t, r, "linux/amd64")
	r.Write("ctx/Dockerfile", strings.Replace(df, "RUN make\n", "RUN make all\n", 1))
	r.Commit("change")
	new := stageAt(t, r, "linux/amd64")

	require.Greater(t, strings.Count(strings.Join(new.Dependencies, "\n"), "RUN make all"), 1, "the build stage's entries are in the list more than once")
	changes := stages.Explain(old, new)
	require.Len(t, changes, 1)
	assert.Equal(t, "ctx/Dockerfile:2: RUN make → RUN make all", changes[0].String())
	assert.Equal(t, "build", changes[0].New.Stage)
}

// The inputs name where each dependency string came from, in the list's order.
func TestStageInputs(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml":       werfYAML("args:\n  VERSION: \"1.0\"\ncacheVersion: \"1\"\naddHost: [\"db:10.0.0.1\"]\n"),
		"ctx/Dockerfile":  explainDockerfile,
		"ctx/src/main.go": "package main\n",
	})
	s := stageAt(t, r, "linux/amd64")
	assert.Equal(t, s.Dependencies, dockerfile.Values(s.Inputs))
	type row struct {
		kind        dockerfile.InputKind
		line        int
		instruction string
		key         string
		sources     []string
	}
	var got []row
	for _, in := range s.Inputs {
		got = append(got, row{in.Kind, in.Line, in.Instruction, in.Key, in.Sources})
	}
	assert.Equal(t, []row{
		{dockerfile.KindAddHost, 0, "", "", nil},
		{dockerfile.KindBaseImage, 1, "FROM alpine:3.19", "", nil},
		{dockerfile.KindInstruction, 2, "ARG VERSION", "VERSION", nil},
		{dockerfile.KindInstruction, 3, "ENV PREFIX=/opt", "PREFIX", nil},
		{dockerfile.KindInstruction, 4, "RUN make", "", nil},
		{dockerfile.KindInstruction, 5, "COPY src /app", "", nil},
		{dockerfile.KindContextFiles, 5, "COPY src /app", "", []string{"src"}},
		{dockerfile.KindInstruction, 6, "RUN echo done", "", nil},
		{dockerfile.KindCacheVersion, 0, "", "", nil},
	}, got)
}

// Explain takes any stages: nil ones, and ones without inputs (their bare
// strings are compared).
func TestExplainWithoutInputs(t *testing.T) {
	assert.Empty(t, stages.Explain(nil, nil))
	assert.Equal(t, []stages.Change{{Kind: stages.ChangeAdded, New: &dockerfile.Input{Kind: dockerfile.KindBaseImage, Instruction: "FROM a", Value: "a"}, To: "FROM a"}},
		stages.Explain(nil, &stages.Stage{Dependencies: []string{"a"}, Inputs: []dockerfile.Input{{Kind: dockerfile.KindBaseImage, Instruction: "FROM a", Value: "a"}}}))

	old := &stages.Stage{Dependencies: []string{"alpine", "RUN a", "RUN b"}}
	new := &stages.Stage{Dependencies: []string{"alpine", "RUN a2", "RUN b", "RUN c"}}
	var said []string
	for _, c := range stages.Explain(old, new) {
		said = append(said, c.String())
	}
	assert.Equal(t, []string{"dependency: RUN a → RUN a2", "dependency: added RUN c"}, said)

	changes, err := stages.ExplainFiles(context.Background(), old, new)
	require.NoError(t, err)
	assert.Len(t, changes, 2)
}

// Many files are named up to a limit.
func TestChangeStringManyFiles(t *testing.T) {
	var files []buildcontext.FileChange
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		files = append(files, buildcontext.FileChange{Path: p, Kind: buildcontext.FileAdded})
	}
	in := &dockerfile.Input{Kind: dockerfile.KindContextFiles, File: "Dockerfile", Line: 2, Instruction: "COPY . /"}
	c := stages.Change{Kind: stages.ChangeContextFiles, Old: in, New: in, Files: files}
	assert.Equal(t, "a added, b added, c added, d added, e added, f added, g added, h added, i added, j added and 2 more (COPY . / at Dockerfile:2)", c.String())
	c.Files = nil
	assert.Equal(t, "context files changed (COPY . / at Dockerfile:2)", c.String())
}
