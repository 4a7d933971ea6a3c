package staged

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// Map reads a staged Dockerfile into werf images (§2, §3): the target stage, named
// as the werf.yaml image, and every stage it is built FROM, copies from or mounts
// from, directly or not. Dependencies come first, the target last, each once, in
// the order werf builds its image sets: the deepest level first.
//
// Every stage of the Dockerfile is parsed and expanded, reached or not, as werf
// does, so an error anywhere fails.
func Map(dockerfile []byte, o MapOptions) ([]*Image, error) {
	if o.Image == "" {
		return nil, errors.New("mapping a staged Dockerfile needs the werf.yaml image name")
	}
	if o.Path == "" {
		o.Path = "Dockerfile"
	}
	p, err := parseDockerfile(o.Path, dockerfile)
	if err != nil {
		return nil, fmt.Errorf("werf image %q: %w", o.Image, err)
	}
	meta, err := resolveMetaArgs(p.metaArgs, o, p.escape)
	if err != nil {
		return nil, err
	}
	m := &mapper{o: o, p: p, meta: meta}
	for i, ps := range p.stages {
		s, err := m.convert(i, ps)
		if err != nil {
			return nil, err
		}
		m.stages = append(m.stages, s)
	}
	if err := m.linkStages(); err != nil {
		return nil, err
	}
	target, err := m.target()
	if err != nil {
		return nil, err
	}
	order, err := m.order(target)
	if err != nil {
		return nil, err
	}
	images := make([]*Image, 0, len(order))
	for _, i := range order {
		images = append(images, m.image(i, target))
	}
	return images, nil
}

// mapper holds one Dockerfile while it is mapped.
type mapper struct {
	o      MapOptions
	p      *parsed
	meta   map[string]string
	stages []*stage
}

// stage is one Dockerfile stage, expanded.
type stage struct {
	index    int
	name     string // the AS name, lower case
	baseName string // the FROM operand, meta ARGs expanded
	line     int
	steps    []*Step
	refs     []stageRef // COPY --from and RUN --mount from= naming a stage, in order
	children []int      // the stages this one needs: its base, then its refs
}

type stageRef struct {
	step  *Step
	ref   string // as written
	stage int
}

func (m *mapper) errorAt(line int, err error) error {
	return fmt.Errorf("%s:%d: werf image %q: %w", m.o.Path, line, m.o.Image, err)
}

// label names a stage in messages as a Dockerfile author knows it.
func (s *stage) label() string {
	if s.name != "" {
		return strconv.Quote(s.name)
	}
	return "#" + strconv.Itoa(s.index)
}

// convert expands one stage as werf's NewDockerfileStageFromBuildkitStage does
// (§3.3): each instruction is expanded against the ARG and ENV values before it,
// leaving unknown variables as written.
func (m *mapper) convert(i int, ps *parsedStage) (*stage, error) {
	s := &stage{index: i, name: ps.stage.Name, line: ps.node.StartLine}
	lex := lexer(m.p.escape, true)
	base, err := lex.ProcessWordWithMap(ps.stage.BaseName, m.meta)
	if err != nil {
		return nil, m.errorAt(s.line, fmt.Errorf("unable to expand docker stage base image name %q: %w", ps.stage.BaseName, err))
	}
	if base == "" {
		return nil, m.errorAt(s.line, fmt.Errorf("FROM %s expands to an empty string: expected an image name (declare its ARG before the first FROM and give it a value)", ps.stage.BaseName))
	}
	s.baseName = base

	env := map[string]string{}
	for j, n := range ps.nodes {
		v, err := dockerfile.ParseInstruction(n)
		if err != nil {
			return nil, m.errorAt(n.StartLine, dockerfile.Unlocated(err))
		}
		cmd, ok := v.(instructions.Command)
		if !ok {
			return nil, m.errorAt(n.StartLine, fmt.Errorf("%T is not a command type", v))
		}
		switch c := cmd.(type) {
		case *instructions.AddCommand:
			if len(c.SourceContents) > 0 {
				return nil, m.errorAt(n.StartLine, fmt.Errorf("unsupported ADD %q: heredoc is not supported with ADD command", c.String()))
			}
		case *instructions.CopyCommand:
			if len(c.SourceContents) > 0 {
				return nil, m.errorAt(n.StartLine, fmt.Errorf("unsupported COPY %q: heredoc is not supported with COPY command", c.String()))
			}
		case *instructions.ArgCommand:
			c.Args = removeDependencyArgs(c.Args, m.o.ImportArgs)
		}

		snapshot := maps.Clone(env)
		if err := safely(func() error { return expandCommand(cmd, snapshot, lex) }); err != nil {
			return nil, m.errorAt(n.StartLine, fmt.Errorf("unable to expand instruction %q: %w", cmd.Name(), err))
		}

		switch c := cmd.(type) {
		case *instructions.ArgCommand:
			// A werf.yaml arg, else the default, else the meta ARG or platform value.
			for _, kv := range c.Args {
				value := kv.Value
				if v, ok := m.o.Args[kv.Key]; ok {
					value = &v
				}
				if value == nil {
					if v, ok := m.meta[kv.Key]; ok {
						value = &v
					}
				}
				if value != nil {
					env[kv.Key] = *value
				}
			}
			continue // ARG is no werf stage
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				env[kv.Key] = kv.Value
			}
		}

		step := &Step{Name: cmd.Name(), Index: j, Node: n, cmd: cmd, env: snapshot}
		if _, ok := cmd.(*instructions.RunCommand); ok {
			if step.security, err = dockerfile.RunSecurity(n); err != nil {
				return nil, m.errorAt(n.StartLine, err)
			}
		}
		s.steps = append(s.steps, step)
	}
	return s, nil
}

// linkStages finds the stages that COPY --from and RUN --mount from= name
// (§3.6): by name, case-insensitively, else by index; other values are images.
func (m *mapper) linkStages() error {
	byName := map[string]int{}
	for _, s := range m.stages {
		if s.name == "" {
			continue
		}
		if j, ok := byName[s.name]; ok {
			return m.errorAt(s.line, fmt.Errorf("duplicate stage name %q: the stage on line %d has it already", s.name, m.stages[j].line))
		}
		byName[s.name] = s.index
	}
	find := func(ref string) (int, bool) {
		if i, ok := byName[strings.ToLower(ref)]; ok {
			return i, true
		}
		if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < len(m.stages) {
			return i, true
		}
		return 0, false
	}

	for _, s := range m.stages {
		if b, ok := m.findStage(s.baseName); ok {
			s.children = append(s.children, b)
		}
		for _, step := range s.steps {
			var refs []string
			switch c := step.cmd.(type) {
			case *instructions.CopyCommand:
				refs = append(refs, c.From)
			case *instructions.RunCommand:
				for _, mnt := range instructions.GetMounts(c) {
					refs = append(refs, mnt.From)
				}
			}
			for _, ref := range refs {
				if ref == "" || slices.ContainsFunc(s.refs, func(r stageRef) bool { return r.step == step && r.ref == ref }) {
					continue
				}
				if i, ok := find(ref); ok {
					s.refs = append(s.refs, stageRef{step: step, ref: ref, stage: i})
					s.children = append(s.children, i)
				}
			}
		}
	}
	return nil
}

// findStage is werf's Dockerfile.FindStage: the first stage whose name is
// exactly the (expanded) FROM operand. Unlike stage references it does not fold
// case, so `FROM Build` names an image, not stage `build`.
func (m *mapper) findStage(name string) (int, bool) {
	for _, s := range m.stages {
		if s.name != "" && s.name == name {
			return s.index, true
		}
	}
	return 0, false
}

// target is the stage werf.yaml's target names, else the last one.
func (m *mapper) target() (int, error) {
	names := make([]string, len(m.stages))
	for i, s := range m.stages {
		names[i] = s.name
	}
	i, err := dockerfile.TargetIndex(names, m.o.Target)
	if err != nil {
		return 0, fmt.Errorf("%s: werf image %q: %w", m.o.Path, m.o.Image, err)
	}
	return i, nil
}

// order lists the stages reached from the target as werf's image sets do: by BFS
// level, a stage reached at several levels at its deepest, the deepest level
// first, each level in the order its stages were reached.
func (m *mapper) order(target int) ([]int, error) {
	if err := m.checkCycles(target); err != nil {
		return nil, err
	}
	levels := [][]int{{target}}
	for {
		var next []int
		seen := map[int]bool{}
		for _, i := range levels[len(levels)-1] {
			for _, c := range m.stages[i].children {
				if !seen[c] {
					seen[c] = true
					next = append(next, c)
				}
			}
		}
		if len(next) == 0 {
			break
		}
		levels = append(levels, next)
	}
	deepest := map[int]int{}
	for l, level := range levels {
		for _, i := range level {
			deepest[i] = l
		}
	}
	var order []int
	for l := len(levels) - 1; l >= 0; l-- {
		for _, i := range levels[l] {
			if deepest[i] == l {
				order = append(order, i)
			}
		}
	}
	return order, nil
}

// checkCycles refuses a stage that needs itself; werf would loop forever.
func (m *mapper) checkCycles(target int) error {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(m.stages))
	var visit func(i int) error
	visit = func(i int) error {
		state[i] = visiting
		for _, c := range m.stages[i].children {
			switch state[c] {
			case visiting:
				s := m.stages[c]
				return m.errorAt(s.line, fmt.Errorf("stage %s needs itself (through FROM, COPY --from or RUN --mount from=)", s.label()))
			case unvisited:
				if err := visit(c); err != nil {
					return err
				}
			}
		}
		state[i] = done
		return nil
	}
	return visit(target)
}

// imageName names a stage's werf image (§2.2).
//
// DEVIATION from werf on purpose: an unnamed stage is "<image>/stage<index>" with
// its real index. werf never sets the index (NewDockerfileStage drops it), so all
// its unnamed stages are "<image>/stage0" and the second of them silently
// resolves to the first one's image.
func (m *mapper) imageName(i, target int) string {
	switch s := m.stages[i]; {
	case i == target:
		return m.o.Image
	case s.name != "":
		return m.o.Image + "/stage/" + s.name
	default:
		return m.o.Image + "/stage" + strconv.Itoa(i)
	}
}

func (m *mapper) image(i, target int) *Image {
	s := m.stages[i]
	img := &Image{
		Name:     m.imageName(i, target),
		Target:   i == target,
		Steps:    s.steps,
		Commands: m.p.stages[i].cmds,
		Escape:   m.p.escape,
		MetaArgs: m.p.metaArgs,
		path:     m.o.Path,
		line:     s.line,
	}
	if b, ok := m.findStage(s.baseName); ok {
		img.BaseImage = m.imageName(b, target)
	} else {
		img.BaseRef = s.baseName
	}
	for _, r := range s.refs {
		name := m.imageName(r.stage, target)
		if r.step.StageRefs == nil {
			r.step.StageRefs = map[string]string{}
		}
		r.step.StageRefs[r.ref] = name
	}
	return img
}

// safely runs BuildKit code that is not ours, turning a panic into an error.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("BuildKit failed: %v", r)
		}
	}()
	return f()
}
