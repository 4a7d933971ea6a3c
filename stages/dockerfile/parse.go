package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
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
		return nil, fmt.Errorf("%s: %w", path, Locate(err))
	}
	for i, n := range ast.AST.Children {
		ast.AST.Children[i] = withoutRunSecurity(n)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, Locate(err))
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction", path)
	}
	d := &Dockerfile{Path: path, stages: stages, metaArgs: metaArgs}
	d.resolveFromIndexes()
	return d, nil
}

// Locate puts the line of a BuildKit parser error in front of its message.
func Locate(err error) error {
	var loc *parser.ErrorLocation
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 && loc.Locations[0][0].Start.Line > 0 {
		return fmt.Errorf("line %d: %w", loc.Locations[0][0].Start.Line, Unlocated(err))
	}
	return err
}

// Unlocated drops BuildKit's location wrapper from an error, for a caller that
// names the line itself.
func Unlocated(err error) error {
	var loc *parser.ErrorLocation
	if errors.As(err, &loc) && loc.Unwrap() != nil {
		return loc.Unwrap()
	}
	return err
}

// ParseInstruction parses one instruction with BuildKit's instruction parser as
// werf's build of it does, which accepts RUN --security: the flag is taken off a
// copy of the node first (our BuildKit is built without the dfrunsecurity tag and
// would reject it). The digests see the flag through the node's original text,
// which keeps it; RunSecurity reads its value.
func ParseInstruction(n *parser.Node) (any, error) {
	return instructions.ParseInstruction(withoutRunSecurity(n))
}

// withoutRunSecurity is n, or for a RUN a copy of it without --security flags.
func withoutRunSecurity(n *parser.Node) *parser.Node {
	if !strings.EqualFold(n.Value, "run") {
		return n
	}
	cp := *n
	cp.Flags = nil
	for _, f := range n.Flags {
		if !isSecurityFlag(f) {
			cp.Flags = append(cp.Flags, f)
		}
	}
	return &cp
}

func isSecurityFlag(f string) bool {
	return f == "--security" || strings.HasPrefix(f, "--security=")
}

// RUN --security values, as BuildKit's dfrunsecurity build knows them.
const (
	SecuritySandbox  = "sandbox"
	SecurityInsecure = "insecure"
)

// RunSecurity reads a RUN node's --security flag as BuildKit's dfrunsecurity build
// does: SecuritySandbox when absent, else SecuritySandbox or SecurityInsecure.
func RunSecurity(n *parser.Node) (string, error) {
	security, seen := SecuritySandbox, false
	for _, f := range n.Flags {
		if f == "--" {
			break
		}
		if !isSecurityFlag(f) {
			continue
		}
		if seen {
			return "", errors.New("duplicate flag specified: security")
		}
		seen = true
		v, ok := strings.CutPrefix(f, "--security=")
		if !ok {
			return "", errors.New("missing a value on flag: security")
		}
		if v != SecuritySandbox && v != SecurityInsecure {
			return "", fmt.Errorf("security %q is not valid (expected %s or %s)", v, SecuritySandbox, SecurityInsecure)
		}
		security = v
	}
	return security, nil
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

func (d *Dockerfile) stageNames() []string {
	names := make([]string, len(d.stages))
	for i, s := range d.stages {
		names[i] = s.Name
	}
	return names
}

// TargetIndex is the index of the stage a build stops at: the one named target
// among the stage names (in Dockerfile order, lower case as BuildKit keeps them,
// "" for an unnamed stage), else the last when target is "".
func TargetIndex(names []string, target string) (int, error) {
	if target == "" {
		return len(names) - 1, nil
	}
	var named []string
	for i, name := range names {
		if name == target {
			return i, nil
		}
		if name != "" {
			named = append(named, name)
		}
	}
	msg := fmt.Sprintf("target %q is not a stage of the Dockerfile", target)
	if lower := strings.ToLower(target); lower != target && slices.Contains(named, lower) {
		msg += fmt.Sprintf(": stage names are lower case, use target %q", lower)
	} else if len(named) > 0 {
		msg += " (its named stages: " + strings.Join(named, ", ") + ")"
	} else {
		msg += " (it has no named stages)"
	}
	return 0, errors.New(msg)
}
