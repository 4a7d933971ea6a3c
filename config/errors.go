package config

import (
	"bytes"
	"fmt"
	"strings"
)

// Error is a problem in the configuration, placed as precisely as it can be: the
// file, the document and line of the rendered config, the image and the key.
type Error struct {
	File     string // the config file, relative to the project directory
	Rendered bool   // the file is a template: Line counts lines of its rendered text
	Doc      int    // 1-based document, 0 when the error is not about one document
	Line     int    // 1-based line, 0 when unknown
	Text     string // the line itself, shown under the message
	Image    string // the image's name as logs show it ("~" for the nameless image)
	Key      string // the key path within the document, e.g. dependencies[0].image
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Rendered && e.Line > 0 {
		b.WriteString("rendered ")
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Doc > 0 {
		fmt.Fprintf(&b, " (document %d)", e.Doc)
	}
	b.WriteString(": ")
	if e.Image != "" {
		fmt.Fprintf(&b, "image %q: ", e.Image)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Err.Error())
	if e.Text != "" {
		fmt.Fprintf(&b, "\n  %d | %s", e.Line, e.Text)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// lineText is line n (1-based) of text, without its newline.
func lineText(text []byte, n int) string {
	for i := 1; len(text) > 0; i++ {
		line, rest, _ := bytes.Cut(text, []byte("\n"))
		if i == n {
			return strings.TrimRight(string(line), "\r")
		}
		text = rest
	}
	return ""
}
