package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Dockerfile is a parsed Dockerfile: its stages and the ARGs before the first FROM.
type Dockerfile struct {
	Path     string // as named in errors
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
}

// Parse reads a Dockerfile; path names it in errors.
func Parse(path string, data []byte) (*Dockerfile, error) {
	ast, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, locate(err))
	}
	for _, n := range ast.AST.Children {
		dropRunSecurity(n)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, locate(err))
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction", path)
	}
	d := &Dockerfile{Path: path, stages: stages, metaArgs: metaArgs}
	d.resolveFromIndexes()
	return d, nil
}

// locate puts the line of a BuildKit error in front of its message.
func locate(err error) error {
	var loc *parser.ErrorLocation
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 && loc.Locations[0][0].Start.Line > 0 {
		return fmt.Errorf("line %d: %w", loc.Locations[0][0].Start.Line, errors.Unwrap(err))
	}
	return err
}

// dropRunSecurity removes RUN --security from the flags BuildKit's instruction
// parser sees: v0.13.1 accepts it only when built with the dfrunsecurity tag, which
// werf's builds set. The flag reaches the digest through the instruction's
// original text, which keeps it.
func dropRunSecurity(n *parser.Node) {
	if !strings.EqualFold(n.Value, "run") {
		return
	}
	kept := n.Flags[:0:0]
	for _, f := range n.Flags {
		if !strings.HasPrefix(f, "--security=") && f != "--security" {
			kept = append(kept, f)
		}
	}
	n.Flags = kept
}

// resolveFromIndexes rewrites `COPY --from=<stage>` and `RUN --mount from=<stage>` to
// the stage's index, as werf does before listing dependencies; other values
// (images, indexes) stay.
func (d *Dockerfile) resolveFromIndexes() {
	index := map[string]int{}
	for i, s := range d.stages {
		if name := strings.ToLower(s.Name); name != strconv.Itoa(i) {
			index[name] = i
		}
	}
	resolve := func(from string) string {
		if i, ok := index[strings.ToLower(from)]; ok && from != "" {
			return strconv.Itoa(i)
		}
		return from
	}
	for _, s := range d.stages {
		for _, cmd := range s.Commands {
			switch c := cmd.(type) {
			case *instructions.CopyCommand:
				c.From = resolve(c.From)
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					m.From = resolve(m.From)
				}
			}
		}
	}
}

// targetIndex is the stage a build stops at: the named one, else the last.
func (d *Dockerfile) targetIndex(target string) (int, error) {
	if target == "" {
		return len(d.stages) - 1, nil
	}
	var names []string
	for i, s := range d.stages {
		if s.Name == target {
			return i, nil
		}
		if s.Name != "" {
			names = append(names, s.Name)
		}
	}
	msg := fmt.Sprintf("%s: target %q is not a stage of the Dockerfile", d.Path, target)
	if len(names) > 0 {
		msg += " (stages: " + strings.Join(names, ", ") + ")"
	}
	return 0, errors.New(msg)
}
