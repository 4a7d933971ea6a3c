package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInstruction(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"/bin/sh", "-c", "make all"}, "RUN make all"},
		{[]string{"/bin/bash", "-c", "set -e; make"}, "RUN set -e; make"},
		{[]string{"/app", "--flag", "a b"}, `RUN ["/app", "--flag", "a b"]`},
		{[]string{"/bin/sh", "-c"}, `RUN ["/bin/sh", "-c"]`},
	} {
		assert.Equal(t, tc.want, instruction(tc.cmd))
	}
}

func TestTail(t *testing.T) {
	assert.Equal(t, "", tail("", ""))
	assert.Equal(t, "  | out\n  | err", tail("out\n", "err\n"))

	var long []string
	for i := range maxOutputLines + 5 {
		long = append(long, fmt.Sprintf("line %d", i))
	}
	got := tail(strings.Join(long, "\n"), "the error")
	lines := strings.Split(got, "\n")
	assert.Equal(t, "  … 6 lines before", lines[0])
	assert.Len(t, lines, maxOutputLines+1)
	assert.Equal(t, "  | the error", lines[len(lines)-1], "stderr comes last: it is kept")
}
