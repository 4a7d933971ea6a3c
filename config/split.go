package config

import (
	"bytes"
	"regexp"
)

// Document is one YAML document of the rendered werf.yaml.
type Document struct {
	Index   int    // 1-based among the non-empty documents
	Line    int    // 1-based line of the rendered config where the document starts
	Content []byte // the document's text, without its separator line
}

// separator is a line werf takes as a document boundary: "---", then only blanks
// and an optional comment. "--- !tag" or "----" are ordinary lines.
var separator = regexp.MustCompile(`^---[ \t\r]*(#.*)?$`)

// splitDocuments cuts the rendered config on separator lines as werf does and drops
// documents holding nothing but blanks and comments; line numbers stay those of the
// whole file.
func splitDocuments(rendered []byte) []Document {
	var docs []Document
	start, startLine := 0, 1
	flush := func(end int) {
		content := rendered[start:end]
		if !blank(content) {
			docs = append(docs, Document{Index: len(docs) + 1, Line: startLine, Content: content})
		}
	}
	line := 1
	for pos := 0; pos < len(rendered); line++ {
		end := bytes.IndexByte(rendered[pos:], '\n')
		next := len(rendered)
		if end >= 0 {
			end += pos
			next = end + 1
		} else {
			end = len(rendered)
		}
		if separator.Match(rendered[pos:end]) {
			flush(pos)
			start, startLine = next, line+1
		}
		pos = next
	}
	flush(len(rendered))
	return docs
}

// blank reports whether a document has only whitespace and comments.
func blank(content []byte) bool {
	for _, l := range bytes.Split(content, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}
