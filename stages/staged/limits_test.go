package staged

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A staged Dockerfile whose ARGs double one another fails at once, naming the
// line, as the whole-Dockerfile digest does.
func TestMapDoublingArgs(t *testing.T) {
	var b strings.Builder
	b.WriteString("FROM alpine\nARG V0=x\n")
	for i := 1; i <= 16; i++ {
		fmt.Fprintf(&b, "ARG V%d=$V%d$V%d\n", i, i-1, i-1)
	}
	b.WriteString("RUN echo $V16\n")
	_, err := Map([]byte(b.String()), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Dockerfile:18: werf image "app": `)
	assert.Contains(t, err.Error(), `"$V15$V15" would expand its variables into up to 65536 bytes without whitespace`)
}

func TestMapDoublingMetaArgs(t *testing.T) {
	var b strings.Builder
	b.WriteString("ARG V0=x\n")
	for i := 1; i <= 16; i++ {
		fmt.Fprintf(&b, "ARG V%d=$V%d$V%d\n", i, i-1, i-1)
	}
	b.WriteString("FROM alpine:$V16\n")
	_, err := Map([]byte(b.String()), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Dockerfile:17: werf image "app": "$V15$V15" would expand its variables into up to 65536 bytes without whitespace`)
}

// The limits know the Dockerfile's escape token.
func TestMapExpansionLimitWithBacktickEscape(t *testing.T) {
	big := strings.Repeat("b", 40<<10)
	// With ` as the escape, \ is an ordinary character and $BIG a reference.
	_, err := Map([]byte("# escape=`\nFROM alpine\nARG BIG\nENV X=\\$BIG\n"), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64", Args: map[string]string{"BIG": big}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Dockerfile:4: werf image "app": `)
	assert.Contains(t, err.Error(), `would expand its variables into up to 40960 bytes without whitespace`)

	_, err = Map([]byte("# escape=`\nFROM alpine\nARG BIG\nENV X=`$BIG\n"), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64", Args: map[string]string{"BIG": big}})
	require.NoError(t, err, "an escaped $ is no reference")
}

// BuildKit's lexer panics on an empty trim pattern; wherever the staged mapping
// expands one, it is an error.
func TestMapEmptyTrimPattern(t *testing.T) {
	for _, dockerfile := range []string{
		"ARG A=x\nARG B=${A#}\nFROM alpine\n",
		"ARG A=x\nFROM alpine:${A%}\n",
		"FROM alpine\nARG A=x\nENV B=${A#}\n",
	} {
		_, err := Map([]byte(dockerfile), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64"})
		require.Error(t, err, dockerfile)
		assert.Contains(t, err.Error(), "BuildKit's lexer failed on", dockerfile)
	}
}
