package dockerfile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// Each dependency string has an input saying where it came from: the stage a
// linked stage's entries belong to, the ONBUILD a trigger's entries come from.
func TestDependencyInputs(t *testing.T) {
	const df = `ARG BASE=alpine
FROM ${BASE} AS build
ARG V=1 W
ENV P=/opt
ONBUILD COPY src /onb
COPY --from=0 /x /y

FROM build
ADD a.tgz /
`
	d, err := dockerfile.Parse("ctx/Dockerfile", []byte(df))
	require.NoError(t, err)
	inputs, err := d.DependencyInputs(t.Context(), dockerfile.Inputs{AddHost: []string{"h:1"}, CacheVersion: "7", Checksum: stubChecksum})
	require.NoError(t, err)
	deps, err := d.Dependencies(t.Context(), dockerfile.Inputs{AddHost: []string{"h:1"}, CacheVersion: "7", Checksum: stubChecksum})
	require.NoError(t, err)
	assert.Equal(t, deps, dockerfile.Values(inputs), "the list is the inputs' values")

	build := []dockerfile.Input{
		{Kind: dockerfile.KindAddHost, Stage: "build", Value: "h:1"},
		{Kind: dockerfile.KindBaseImage, File: "ctx/Dockerfile", Line: 2, Instruction: "FROM ${BASE} AS build", Stage: "build", Value: "alpine"},
		{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 3, Instruction: "ARG V=1 W", Stage: "build", Key: "V", Value: "ARG V=1"},
		{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 3, Instruction: "ARG V=1 W", Stage: "build", Key: "W", Value: "ARG W="},
		{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 4, Instruction: "ENV P=/opt", Stage: "build", Key: "P", Value: "ENV P=/opt"},
		{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 5, Instruction: "ONBUILD COPY src /onb", Stage: "build", Value: "COPY src /onb"},
		{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 6, Instruction: "COPY --from=0 /x /y", Stage: "build", Value: "COPY --from=0 /x /y"},
	}
	var want []dockerfile.Input
	want = append(want, dockerfile.Input{Kind: dockerfile.KindAddHost, Stage: "1", Value: "h:1"},
		dockerfile.Input{Kind: dockerfile.KindBaseImage, File: "ctx/Dockerfile", Line: 8, Instruction: "FROM build", Stage: "1", Value: "build"},
		dockerfile.Input{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 9, Instruction: "ADD a.tgz /", Stage: "1", Value: "ADD a.tgz /"},
		dockerfile.Input{Kind: dockerfile.KindContextFiles, File: "ctx/Dockerfile", Line: 9, Instruction: "ADD a.tgz /", Stage: "1", Value: "CS[a.tgz]", Sources: []string{"a.tgz"}},
	)
	// FROM build: its list (which took itself in for COPY --from=0), then its trigger.
	want = append(want, build...)
	want = append(want, build...)
	want = append(want,
		dockerfile.Input{Kind: dockerfile.KindInstruction, File: "ctx/Dockerfile", Line: 5, Instruction: "ONBUILD COPY src /onb", Stage: "build", Value: "COPY src /onb"},
		dockerfile.Input{Kind: dockerfile.KindContextFiles, File: "ctx/Dockerfile", Line: 5, Instruction: "ONBUILD COPY src /onb", Stage: "build", Value: "CS[src]", Sources: []string{"src"}},
		dockerfile.Input{Kind: dockerfile.KindCacheVersion, Value: "7"},
	)
	assert.Equal(t, want, inputs)
}
