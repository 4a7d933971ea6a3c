package staged

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// security values of RUN --security, as BuildKit's dfrunsecurity build knows them.
const (
	securitySandbox  = "sandbox"
	securityInsecure = "insecure"
)

// parsed is a Dockerfile split as BuildKit's instructions.Parse splits it, each
// instruction with the node it was parsed from.
type parsed struct {
	escape   rune
	metaArgs []*instructions.ArgCommand
	stages   []*parsedStage
}

type parsedStage struct {
	stage instructions.Stage
	node  *parser.Node
	cmds  []instructions.Command
	nodes []*parser.Node
}

// parseDockerfile runs BuildKit v0.13.1's parser and instruction parser, one
// instruction at a time so that each keeps its node.
func parseDockerfile(path string, data []byte) (p *parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%s: the Dockerfile parser failed: %v", path, r)
		}
	}()
	result, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, locate(err))
	}
	p = &parsed{escape: result.EscapeToken}
	for _, n := range result.AST.Children {
		cmd, err := parseNode(n)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n.StartLine, unwrapLocation(err))
		}
		if len(p.stages) == 0 {
			if arg, ok := cmd.(*instructions.ArgCommand); ok {
				p.metaArgs = append(p.metaArgs, arg)
				continue
			}
		}
		switch c := cmd.(type) {
		case *instructions.Stage:
			p.stages = append(p.stages, &parsedStage{stage: *c, node: n})
		case instructions.Command:
			if len(p.stages) == 0 {
				return nil, fmt.Errorf("%s:%d: %s before the first FROM: only ARG may come before it", path, n.StartLine, strings.ToUpper(n.Value))
			}
			s := p.stages[len(p.stages)-1]
			s.cmds = append(s.cmds, c)
			s.nodes = append(s.nodes, n)
		default:
			return nil, fmt.Errorf("%s:%d: %T is not a command type", path, n.StartLine, cmd)
		}
	}
	if len(p.stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction: a Dockerfile needs at least one stage", path)
	}
	return p, nil
}

// parseNode parses one instruction. RUN --security is taken off first: our
// BuildKit is built without the dfrunsecurity tag and would reject it; werf's
// build has the tag, and runSecurity reads the flag instead.
func parseNode(n *parser.Node) (any, error) {
	if strings.EqualFold(n.Value, "run") {
		cp := *n
		cp.Flags = nil
		for _, f := range n.Flags {
			if !isSecurityFlag(f) {
				cp.Flags = append(cp.Flags, f)
			}
		}
		n = &cp
	}
	return instructions.ParseInstruction(n)
}

func isSecurityFlag(f string) bool {
	return f == "--security" || strings.HasPrefix(f, "--security=")
}

// runSecurity reads RUN --security as BuildKit's dfrunsecurity build does:
// "sandbox" when absent, else "sandbox" or "insecure".
func runSecurity(n *parser.Node) (string, error) {
	security, seen := securitySandbox, false
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
		if v != securitySandbox && v != securityInsecure {
			return "", fmt.Errorf("security %q is not valid (expected %s or %s)", v, securitySandbox, securityInsecure)
		}
		security = v
	}
	return security, nil
}

// locate puts the line of a BuildKit parser error in front of its message.
func locate(err error) error {
	var loc *parser.ErrorLocation
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 && loc.Locations[0][0].Start.Line > 0 {
		return fmt.Errorf("line %d: %w", loc.Locations[0][0].Start.Line, unwrapLocation(err))
	}
	return err
}

// unwrapLocation drops BuildKit's location wrapper, whose line the caller names.
func unwrapLocation(err error) error {
	var loc *parser.ErrorLocation
	if errors.As(err, &loc) && loc.Unwrap() != nil {
		return loc.Unwrap()
	}
	return err
}
