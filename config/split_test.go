package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSplitDocuments(t *testing.T) {
	type doc struct {
		Line    int
		Content string
	}
	tests := []struct {
		name string
		in   string
		want []doc
	}{
		{name: "single", in: "a: 1\n", want: []doc{{1, "a: 1\n"}}},
		{name: "leading separator", in: "---\na: 1\n---\nb: 2\n", want: []doc{{2, "a: 1\n"}, {4, "b: 2\n"}}},
		{name: "separator with blanks and comment", in: "a: 1\n---  # image\r\nb: 2", want: []doc{{1, "a: 1\n"}, {3, "b: 2"}}},
		{name: "empty and comment-only documents are dropped", in: "# head\n---\n\n  \n---\n# only a comment\n---\nc: 3\n---\n", want: []doc{{8, "c: 3\n"}}},
		{name: "not separators", in: "a: |\n  ---x\n----\n--- !tag\n x---\n", want: []doc{{1, "a: |\n  ---x\n----\n--- !tag\n x---\n"}}},
		{name: "indented dashes are content", in: "a: |\n  ---\nb: 1\n", want: []doc{{1, "a: |\n  ---\nb: 1\n"}}},
		{name: "empty input", in: "", want: nil},
		{name: "no trailing newline after separator", in: "a: 1\n---", want: []doc{{1, "a: 1\n"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []doc
			for i, d := range splitDocuments([]byte(tt.in)) {
				assert.Equal(t, i+1, d.Index)
				got = append(got, doc{d.Line, string(d.Content)})
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
