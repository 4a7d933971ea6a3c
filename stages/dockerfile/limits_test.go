package dockerfile_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// doubling is a Dockerfile whose ARGs double levels times (A=x, B=$A$A, …), the
// last used by use; the first doubling is on line first.
func doubling(levels int, quote bool, prefix, use string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("ARG V0=x\n")
	for i := 1; i <= levels; i++ {
		if quote {
			fmt.Fprintf(&b, "ARG V%d=\"$V%d $V%d\"\n", i, i-1, i-1)
		} else {
			fmt.Fprintf(&b, "ARG V%d=$V%d$V%d\n", i, i-1, i-1)
		}
	}
	b.WriteString(strings.ReplaceAll(use, "$LAST", fmt.Sprintf("$V%d", levels)))
	return b.String()
}

// Expansions that BuildKit's lexer would take minutes or gigabytes over are
// refused before it starts, naming the line.
func TestDependenciesExpansionLimits(t *testing.T) {
	big := strings.Repeat("b", 40<<10)
	tests := []struct {
		name       string
		dockerfile string
		in         dockerfile.Inputs
		err        string // "" is no error
	}{
		{
			name:       "ARGs doubling 16 times",
			dockerfile: doubling(16, false, "FROM alpine\n", "RUN echo $LAST\n"),
			err:        `Dockerfile:18: "$V15$V15" would expand its variables into up to 65536 bytes without whitespace, more than the 32 KiB dagwerf expands (BuildKit's lexer takes time that grows with the square of such runs)`,
		},
		{
			name:       "meta ARGs doubling 16 times",
			dockerfile: doubling(16, false, "", "FROM alpine:$LAST\n"),
			err:        `Dockerfile:17: "$V15$V15" would expand its variables into up to 65536 bytes without whitespace`,
		},
		{
			name:       "quoted ARGs doubling past 1 MiB",
			dockerfile: doubling(19, true, "FROM alpine\n", "RUN echo \"$LAST\"\n"),
			err:        `Dockerfile:21: "\"$V18 $V18\"" would expand to more than 1 MiB (up to 1048585 bytes)`,
		},
		{
			name:       "a replacement multiplying a value",
			dockerfile: "FROM alpine\nARG A=" + strings.Repeat("a", 2000) + "\nARG B=\"${A//?/$A}\"\n",
			err:        `Dockerfile:3: "\"${A//?/$A}\"" would expand to more than 1 MiB`,
		},
		{
			name:       "a large value without whitespace, unquoted",
			dockerfile: "FROM alpine\nARG BIG\nRUN echo $BIG\n",
			in:         dockerfile.Inputs{Args: map[string]string{"BIG": big}},
			err:        `Dockerfile:3: "RUN echo $BIG" would expand its variables into up to 40960 bytes without whitespace`,
		},
		{
			name:       "a large value without whitespace, quoted",
			dockerfile: "FROM alpine\nARG BIG\nRUN echo \"$BIG\" \"${BIG}\"\nENV E=\"$BIG\"\n",
			in:         dockerfile.Inputs{Args: map[string]string{"BIG": big}},
		},
		{
			name:       "a large value with whitespace",
			dockerfile: "FROM alpine\nARG BIG\nRUN echo $BIG $BIG\n",
			in:         dockerfile.Inputs{Args: map[string]string{"BIG": strings.Repeat("word ", 100<<10)}},
		},
		{
			name:       "doubling within the limits",
			dockerfile: doubling(10, false, "FROM alpine\n", "RUN echo $LAST $LAST\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dockerfile.Parse("Dockerfile", []byte(tt.dockerfile))
			require.NoError(t, err)
			_, err = d.Dependencies(t.Context(), tt.in)
			if tt.err == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

// An expansion costly enough to run aside gives the lexer's result.
func TestDependenciesLargeExpansion(t *testing.T) {
	big := strings.Repeat("b", 20<<10)
	d, err := dockerfile.Parse("Dockerfile", []byte("FROM alpine\nARG BIG\nRUN echo x-$BIG-x\n"))
	require.NoError(t, err)
	deps, err := d.Dependencies(t.Context(), dockerfile.Inputs{Args: map[string]string{"BIG": big}})
	require.NoError(t, err)
	assert.Equal(t, []string{"alpine", "ARG BIG=" + big, "RUN echo x-" + big + "-x"}, deps)
}

// A cancelled context stops the analysis: before it starts, and between
// instructions once it is under way.
func TestDependenciesCancelled(t *testing.T) {
	d, err := dockerfile.Parse("Dockerfile", []byte("ARG BASE\nFROM $BASE\nARG TOOL\nRUN echo $TOOL\nCOPY a /a\nCOPY b /b\n"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = d.Dependencies(ctx, dockerfile.Inputs{Args: map[string]string{"BASE": "alpine"}, Checksum: stubChecksum})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, `Dockerfile:1: expanding "BASE": context canceled`, err.Error())

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	var checksums []string
	_, err = d.Dependencies(ctx, dockerfile.Inputs{
		Args:       map[string]string{"BASE": "alpine"},
		ImportArgs: []string{"TOOL"},
		Import: func(string) (string, error) {
			cancel() // Ctrl-C while the import is fetched
			return "tool", nil
		},
		Checksum: func(sources []string) (string, error) {
			checksums = append(checksums, sources...)
			return "", nil
		},
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, `Dockerfile:4: context canceled`, err.Error())
	assert.Empty(t, checksums, "nothing after the cancellation")
}
