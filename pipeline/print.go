package pipeline

import (
	"fmt"
	"io"
	"strings"
)

// werf's log prefixes for final and intermediate images (--log-pretty).
const (
	finalPrefix        = "🛳️  "
	intermediatePrefix = "🏗️️  "
)

// LogName is the task's name as werf logs it: a prefix when pretty, the progress
// "(i/N)", "image NAME", and the platform when the image has several or one other
// than the default.
func (t *Task) LogName(p *Plan, pretty bool) string {
	var b strings.Builder
	if pretty {
		if t.Image.Final {
			b.WriteString(finalPrefix)
		} else {
			b.WriteString(intermediatePrefix)
		}
	}
	fmt.Fprintf(&b, "(%d/%d) image %s", t.Index, p.len(), t.Image.LogName())
	if len(t.Platforms) > 1 || t.Platform != p.DefaultPlatform {
		fmt.Fprintf(&b, " [%s]", t.Platform)
	}
	return b.String()
}

func (p *Plan) len() int {
	n := 0
	for _, set := range p.Sets {
		n += len(set)
	}
	return n
}

// Concurrent reports whether the plan runs tasks side by side; like werf, one task
// or --parallel=false runs them one by one.
func (p *Plan) Concurrent() bool { return p.Parallel && p.len() > 1 }

// Print writes the plan as werf logs it before a build:
//
//	┌ Concurrent build plan (no more than 5 images at the same time)
//	│ Set #0:
//	│ - 🛳️  (1/2) image base
//	│
//	│ Set #1:
//	│ - 🛳️  (2/2) image app
//	└ Concurrent build plan (no more than 5 images at the same time)
//
// werf prints no plan when it builds one image at a time; dagwerf then prints the
// order as a "Sequential build plan" block of the same shape.
func (p *Plan) Print(w io.Writer, pretty bool) error {
	var b strings.Builder
	if !p.Concurrent() {
		title := "Sequential build plan"
		b.WriteString("┌ " + title + "\n")
		for _, t := range p.Tasks() {
			b.WriteString("│ - " + t.LogName(p, pretty) + "\n")
		}
		b.WriteString("└ " + title + "\n\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	title := "Concurrent build plan"
	if p.Limit > 0 {
		title += fmt.Sprintf(" (no more than %d images at the same time)", p.Limit)
	}
	b.WriteString("┌ " + title + "\n")
	for i, set := range p.Sets {
		if i > 0 {
			b.WriteString("│ \n")
		}
		fmt.Fprintf(&b, "│ Set #%d:\n", i)
		for _, t := range set {
			b.WriteString("│ - " + t.LogName(p, pretty) + "\n")
		}
	}
	b.WriteString("└ " + title + "\n\n")
	_, err := io.WriteString(w, b.String())
	return err
}
