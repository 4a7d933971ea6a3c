package staged

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// parsed is a Dockerfile split as BuildKit's instructions.Parse splits it, each
// instruction with the node it was parsed from.
type parsed struct {
	escape   rune
	metaArgs []instructions.ArgCommand // the ARGs before the first FROM
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
		return nil, fmt.Errorf("%s: %w", path, dockerfile.Locate(err))
	}
	p = &parsed{escape: result.EscapeToken}
	for _, n := range result.AST.Children {
		cmd, err := dockerfile.ParseInstruction(n)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n.StartLine, dockerfile.Unlocated(err))
		}
		if len(p.stages) == 0 {
			if arg, ok := cmd.(*instructions.ArgCommand); ok {
				p.metaArgs = append(p.metaArgs, *arg)
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
