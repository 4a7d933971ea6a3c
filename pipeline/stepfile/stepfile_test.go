package stepfile_test

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline/stepfile"
	"github.com/dagwerf/dagwerf/stages/staged"
)

// image reads the last stage of a Dockerfile as a staged image, the way
// staged.Map lays it out, with stage references named by refs.
func image(t *testing.T, dockerfile string, refs map[string]string) (*staged.Image, []instructions.ArgCommand) {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(dockerfile))
	require.NoError(t, err)
	stages, meta, err := instructions.Parse(res.AST)
	require.NoError(t, err)
	last := stages[len(stages)-1]
	// The nodes of the last stage are the children after its FROM.
	var nodes []*parser.Node
	for i, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			nodes = res.AST.Children[i+1:]
		}
	}
	require.Len(t, nodes, len(last.Commands))
	img := &staged.Image{Name: "app", Target: true, Commands: last.Commands, Escape: res.EscapeToken}
	for i, c := range last.Commands {
		if _, ok := c.(*instructions.ArgCommand); ok {
			continue
		}
		step := &staged.Step{Name: nodes[i].Value, Index: i, Node: nodes[i], StageRefs: map[string]string{}}
		for ref, name := range refs {
			if strings.Contains(nodes[i].Original, ref) {
				step.StageRefs[ref] = name
			}
		}
		img.Steps = append(img.Steps, step)
	}
	return img, meta
}

// stored names the stages before step i: r:from, r:s0, r:s1, …
func stored(i int) []stepfile.Stored {
	out := []stepfile.Stored{{Name: "r:from"}}
	for j := range i {
		out = append(out, stepfile.Stored{Name: "r:s" + string(rune('0'+j))})
	}
	return out
}

func TestStep(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dockerfile string
		step       int
		in         stepfile.Inputs
		refs       map[string]string
		want       string
	}{
		{
			name:       "an instruction on the previous stage",
			dockerfile: "FROM alpine\nENV A=1\nRUN echo $A > /a\n",
			step:       1,
			want:       "FROM r:s0\nRUN echo $A > /a\n",
		},
		{
			name:       "ARG values as the whole build gives them, where it gives them",
			dockerfile: "ARG V=meta\nFROM alpine\nARG V\nARG W=$HOME/x\nENV HOME=/changed\nARG X=${W}-2\nARG Y=1\nRUN echo $V $W $X $Y\nARG Y=2\nRUN echo $Y\n",
			step:       2,
			in:         stepfile.Inputs{BaseEnv: []string{"HOME=/root"}, BuildArgs: map[string]string{"Y": "from-werf.yaml"}},
			want:       "FROM r:s1\nARG V=meta\nARG W=/root/x\nARG X=/root/x-2\nARG Y=from-werf.yaml\nARG Y=from-werf.yaml\nRUN echo $Y\n",
		},
		{
			name:       "values the lexer would touch are quoted",
			dockerfile: "FROM alpine\nARG Q\nRUN echo \"$Q\"\n",
			in:         stepfile.Inputs{BuildArgs: map[string]string{"Q": "it's $HOME and ${A}"}},
			want:       "FROM r:from\nARG Q='it'\\''s $HOME and ${A}'\nRUN echo \"$Q\"\n",
		},
		{
			name:       "an ARG without a value stays unset",
			dockerfile: "FROM alpine\nARG NONE\nRUN echo ${NONE:-unset}\n",
			want:       "FROM r:from\nARG NONE\nRUN echo ${NONE:-unset}\n",
		},
		{
			name:       "stage references become the stored images",
			dockerfile: "FROM alpine AS build\nFROM alpine\nCOPY --from=build --chown=1:1 /out /out\nRUN --mount=type=cache,target=/c --mount=type=bind,from=build,source=/out,target=/in cat /in/x\n",
			step:       1,
			refs:       map[string]string{"build": "app/stage/build"},
			in:         stepfile.Inputs{Images: map[string]string{"app/stage/build": "r:built-123"}},
			want:       "FROM r:s0\nRUN --mount=type=cache,target=/c --mount=type=bind,from=r:built-123,source=/out,target=/in cat /in/x\n",
		},
		{
			name:       "COPY --from a stage",
			dockerfile: "FROM alpine AS build\nFROM alpine\nCOPY --from=build --chown=1:1 /out /out\n",
			refs:       map[string]string{"build": "app/stage/build"},
			in:         stepfile.Inputs{Images: map[string]string{"app/stage/build": "r:built-123"}},
			want:       "FROM r:from\nCOPY --from=r:built-123 --chown=1:1 /out /out\n",
		},
		{
			name:       "heredocs come with their bodies",
			dockerfile: "FROM alpine\nRUN <<EOF\necho one\necho two\nEOF\n",
			want:       "FROM r:from\nRUN <<EOF\necho one\necho two\nEOF\n",
		},
		{
			name:       "continuation lines are joined",
			dockerfile: "FROM alpine\nRUN echo a \\\n  && echo b\n",
			want:       "FROM r:from\nRUN echo a   && echo b\n",
		},
		{
			name:       "an ENTRYPOINT keeps the Cmd the stage set before it",
			dockerfile: "FROM alpine\nCMD [\"serve\"]\nENTRYPOINT [\"/app\"]\n",
			step:       1,
			want:       "FROM r:s0\nENTRYPOINT [\"/app\"]\nCMD [\"serve\"]\n",
		},
		{
			name:       "an ENTRYPOINT drops an inherited Cmd, as the engine does",
			dockerfile: "FROM alpine\nENTRYPOINT [\"/app\"]\n",
			want:       "FROM r:from\nENTRYPOINT [\"/app\"]\n",
		},
		{
			name:       "after an ONBUILD the file starts before it",
			dockerfile: "FROM alpine\nRUN echo 1\nONBUILD RUN echo child\nENV A=1\nLABEL b=2\n",
			step:       3,
			want:       "FROM r:s0\nONBUILD RUN echo child\nENV A=1\nLABEL b=2\n",
		},
		{
			name:       "the escape directive is kept",
			dockerfile: "# escape=`\nFROM alpine\nARG P\nRUN echo $P\n",
			in:         stepfile.Inputs{BuildArgs: map[string]string{"P": "a'b"}},
			want:       "# escape=`\nFROM r:from\nARG P='a'`''b'\nRUN echo $P\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, meta := image(t, tc.dockerfile, tc.refs)
			in := tc.in
			in.MetaArgs = meta
			in.Stored = stored(tc.step)
			if tc.name == "an ENTRYPOINT keeps the Cmd the stage set before it" {
				in.Stored[1].Cmd = []string{"serve"}
			}
			f, err := stepfile.Step(img, tc.step, in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, f.Dockerfile)
			// What the file says parses as a Dockerfile again.
			_, err = parser.Parse(strings.NewReader(f.Dockerfile))
			assert.NoError(t, err)
		})
	}
}

func TestStepRefusals(t *testing.T) {
	img, meta := image(t, "FROM alpine AS build\nFROM alpine\nCOPY --from=build /a /a\nARG L\nRUN echo $L\n", map[string]string{"build": "app/stage/build"})
	_, err := stepfile.Step(img, 0, stepfile.Inputs{Stored: stored(0), MetaArgs: meta})
	assert.ErrorContains(t, err, `stage "build" (app/stage/build) is not built`)
	_, err = stepfile.Step(img, 1, stepfile.Inputs{Stored: stored(1), BuildArgs: map[string]string{"L": "a\nb"}})
	assert.ErrorContains(t, err, "ARG L: a value with a line break")
	_, err = stepfile.Step(img, 5, stepfile.Inputs{})
	assert.ErrorContains(t, err, "no step 5")
	_, err = stepfile.Step(img, 1, stepfile.Inputs{Stored: stored(0)})
	assert.ErrorContains(t, err, "needs the 2 stages before it")
}

func TestFrom(t *testing.T) {
	assert.Equal(t, "FROM registry.example.com/base:1\n", stepfile.From("registry.example.com/base:1").Dockerfile)
}
