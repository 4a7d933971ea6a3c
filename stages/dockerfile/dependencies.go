package dockerfile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Inputs are what the dependency list takes from outside the Dockerfile.
type Inputs struct {
	Target       string            // the stage to build; "" is the last
	Platform     string            // the target platform, normalized (linux/amd64)
	Args         map[string]string // werf.yaml args
	ImportArgs   []string          // build args that dependency imports fill
	Import       func(arg string) (string, error)
	AddHost      []string
	CacheVersion string
	// Checksum is the context checksum of a COPY/ADD's expanded sources.
	Checksum func(sources []string) (string, error)
}

// Dependencies lists werf's dependency strings of the full-Dockerfile stage: per
// stage, the addHost entries, the expanded base image and one or more strings per
// instruction; the target's list takes in the lists of the stages it is built
// from; the cacheVersion ends it. It stops when ctx is done, between instructions
// and expansions.
func (d *Dockerfile) Dependencies(ctx context.Context, in Inputs) ([]string, error) {
	inputs, err := d.DependencyInputs(ctx, in)
	if err != nil {
		return nil, err
	}
	return Values(inputs), nil
}

// DependencyInputs is Dependencies with where each string came from: the list is
// Values of the result. The list is made as one, so the two cannot drift apart.
func (d *Dockerfile) DependencyInputs(ctx context.Context, in Inputs) ([]Input, error) {
	target, err := TargetIndex(d.stageNames(), in.Target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Path, err)
	}
	r := &resolver{ctx: ctx, d: d, in: in, stageArgs: map[int]map[string]string{}, stageEnvs: map[int]map[string]string{}}
	if err := r.resolveMetaArgs(); err != nil {
		return nil, err
	}

	own := make([][]Input, len(d.stages))
	onbuild := make([][]Input, len(d.stages))
	for i, stage := range d.stages {
		label := stageLabel(stage.Name, i)
		deps := make([]Input, 0, len(in.AddHost)+1+len(stage.Commands))
		for _, h := range in.AddHost {
			deps = append(deps, Input{Kind: KindAddHost, Stage: label, Value: h})
		}
		base, err := expand(ctx, stage.BaseName, r.metaAll)
		if err != nil {
			return nil, d.errorAt(stage.Location, err)
		}
		if base == "" {
			return nil, d.errorAt(stage.Location, fmt.Errorf("FROM %s: invalid base image: the base image name expands to nothing (is its ARG declared before the first FROM and given a value?)", stage.BaseName))
		}
		deps = append(deps, Input{Kind: KindBaseImage, File: d.Path, Line: line(stage.Location), Instruction: stage.SourceCode, Stage: label, Value: base})
		for _, cmd := range stage.Commands {
			if err := ctx.Err(); err != nil {
				return nil, d.errorAt(cmd.Location(), err)
			}
			cmdDeps, cmdOnbuild, err := r.instruction(i, cmd, false)
			if err != nil {
				return nil, d.errorAt(cmd.Location(), err)
			}
			// A trigger's entries are placed at its ONBUILD, in the stage that has it.
			d.place(cmdDeps, cmd, label)
			d.place(cmdOnbuild, cmd, label)
			deps = append(deps, cmdDeps...)
			onbuild[i] = append(onbuild[i], cmdOnbuild...)
		}
		own[i] = deps
	}

	// One pass in stage order, in place: a stage takes the lists of the stages it
	// is built FROM (by exact name, with their ONBUILD triggers), then of those it
	// copies or mounts from, each as it stands at that moment.
	for i, stage := range d.stages {
		for j, other := range d.stages {
			if i != j && stage.BaseName == other.Name {
				own[i] = append(own[i], own[j]...)
				own[i] = append(own[i], onbuild[j]...)
			}
		}
		for _, cmd := range stage.Commands {
			switch c := cmd.(type) {
			case *instructions.CopyCommand:
				own[i] = appendStage(own, i, c.From)
			case *instructions.RunCommand:
				for _, m := range instructions.GetMounts(c) {
					own[i] = appendStage(own, i, m.From)
				}
			}
		}
	}

	list := own[target]
	if in.CacheVersion != "" {
		list = append(list, Input{Kind: KindCacheVersion, Value: in.CacheVersion})
	}
	return list, nil
}

// place fills in where an instruction's entries come from.
func (d *Dockerfile) place(inputs []Input, cmd instructions.Command, stage string) {
	text, ln := "", line(cmd.Location())
	if s, ok := cmd.(fmt.Stringer); ok {
		text = s.String()
	}
	for k := range inputs {
		inputs[k].File, inputs[k].Line, inputs[k].Instruction, inputs[k].Stage = d.Path, ln, text, stage
	}
}

// line is the first line of a location, 0 when there is none.
func line(loc []parser.Range) int {
	if len(loc) == 0 {
		return 0
	}
	return loc[0].Start.Line
}

// appendStage adds the list of the stage a --from index names; other values are
// images and add nothing.
func appendStage(lists [][]Input, i int, from string) []Input {
	j, err := strconv.Atoi(from)
	if err != nil || j < 0 || j >= len(lists) {
		return lists[i]
	}
	return append(lists[i], lists[j]...)
}

func (d *Dockerfile) errorAt(loc []parser.Range, err error) error {
	if len(loc) > 0 {
		return fmt.Errorf("%s:%d: %w", d.Path, loc[0].Start.Line, err)
	}
	return fmt.Errorf("%s: %w", d.Path, err)
}

// resolver holds the ARG and ENV values while one dependency list is made.
type resolver struct {
	ctx       context.Context
	d         *Dockerfile
	in        Inputs
	metaAll   map[string]string // platform args overlaid with the meta ARGs
	stageArgs map[int]map[string]string
	stageEnvs map[int]map[string]string
	imports   map[string]string // import values fetched so far
}

// importValue is the value a dependency import gives arg, if one does; it is
// fetched only when an ARG asks for it.
func (r *resolver) importValue(arg string) (string, bool, error) {
	if !slices.Contains(r.in.ImportArgs, arg) {
		return "", false, nil
	}
	if v, ok := r.imports[arg]; ok {
		return v, true, nil
	}
	if r.in.Import == nil {
		return "", false, fmt.Errorf("ARG %s takes a dependency import, and no import values are available", arg)
	}
	v, err := r.in.Import(arg)
	if err != nil {
		return "", false, err
	}
	if r.imports == nil {
		r.imports = map[string]string{}
	}
	r.imports[arg] = v
	return v, true, nil
}

// resolveMetaArgs resolves the ARGs before the first FROM in order: an import, else
// a werf.yaml arg, else the default expanded with the meta ARGs so far. Platform
// args are not visible to them, but they are merged under them afterwards.
func (r *resolver) resolveMetaArgs() error {
	meta := map[string]string{}
	for _, arg := range r.d.metaArgs {
		for _, kv := range arg.Args {
			key, err := expand(r.ctx, kv.Key, meta)
			if err != nil {
				return r.d.errorAt(arg.Location(), err)
			}
			v, fromImport, err := r.importValue(key)
			switch {
			case err != nil:
				return r.d.errorAt(arg.Location(), err)
			case fromImport:
			default:
				var ok bool
				if v, ok = r.in.Args[key]; !ok {
					if v, err = expand(r.ctx, value(kv), meta); err != nil {
						return r.d.errorAt(arg.Location(), err)
					}
				}
			}
			meta[key] = v
		}
	}
	platformArgs, err := PlatformArgs(r.in.Platform)
	if err != nil {
		return err
	}
	r.metaAll = platformArgs
	maps.Copy(r.metaAll, meta)
	return nil
}

// PlatformArgs are BuildKit's automatic platform ARGs; the build platform is the
// machine computing the digest, as in werf.
func PlatformArgs(target string) (map[string]string, error) {
	build := platforms.DefaultSpec()
	tp := build
	if target != "" {
		var err error
		if tp, err = platforms.Parse(target); err != nil {
			return nil, fmt.Errorf("target platform %q: %w", target, err)
		}
	}
	return map[string]string{
		"BUILDPLATFORM":  platforms.Format(build),
		"BUILDOS":        build.OS,
		"BUILDARCH":      build.Architecture,
		"BUILDVARIANT":   build.Variant,
		"TARGETPLATFORM": platforms.Format(tp),
		"TARGETOS":       tp.OS,
		"TARGETARCH":     tp.Architecture,
		"TARGETVARIANT":  tp.Variant,
	}, nil
}

func value(kv instructions.KeyValuePairOptional) string {
	if kv.Value == nil {
		return ""
	}
	return *kv.Value
}

func (r *resolver) args(stage int) map[string]string { return scope(r.stageArgs, stage) }
func (r *resolver) envs(stage int) map[string]string { return scope(r.stageEnvs, stage) }

func scope(m map[int]map[string]string, stage int) map[string]string {
	if m[stage] == nil {
		m[stage] = map[string]string{}
	}
	return m[stage]
}

// word expands an instruction's word: with the stage's ARGs then ENVs, or, for an
// instruction inside ONBUILD, with the ENVs only.
func (r *resolver) word(stage int, w string, onbuild bool) (string, error) {
	if onbuild {
		return expand(r.ctx, w, r.envs(stage))
	}
	return expand(r.ctx, w, r.args(stage), r.envs(stage))
}

// instruction returns the dependency entries of one instruction (what they are and
// their values; the caller places them), and for ONBUILD the entries its trigger
// contributes to stages built FROM this one.
func (r *resolver) instruction(stage int, cmd instructions.Command, onbuild bool) (deps, onbuildDeps []Input, err error) {
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			key, v, err := r.stageArg(stage, kv, onbuild)
			if err != nil {
				return nil, nil, err
			}
			deps = append(deps, Input{Kind: KindInstruction, Key: key, Value: "ARG " + key + "=" + v})
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			key, err := r.word(stage, kv.Key, onbuild)
			if err != nil {
				return nil, nil, err
			}
			v, err := r.word(stage, kv.Value, onbuild)
			if err != nil {
				return nil, nil, err
			}
			if !onbuild {
				r.envs(stage)[key] = v
			}
			deps = append(deps, Input{Kind: KindInstruction, Key: key, Value: "ENV " + key + "=" + v})
		}
	case *instructions.AddCommand:
		sources, sum, err := r.checksum(stage, c.SourcePaths, onbuild)
		if err != nil {
			return nil, nil, err
		}
		deps = append(deps, Input{Kind: KindInstruction, Value: c.String()}, Input{Kind: KindContextFiles, Value: sum, Sources: sources})
	case *instructions.CopyCommand:
		deps = append(deps, Input{Kind: KindInstruction, Value: c.String()})
		if c.From == "" {
			sources, sum, err := r.checksum(stage, c.SourcePaths, onbuild)
			if err != nil {
				return nil, nil, err
			}
			deps = append(deps, Input{Kind: KindContextFiles, Value: sum, Sources: sources})
		}
	case *instructions.OnbuildCommand:
		trigger, err := r.onbuild(stage, c.Expression)
		if err != nil {
			return nil, nil, err
		}
		return []Input{{Kind: KindInstruction, Value: c.Expression}}, trigger, nil
	case fmt.Stringer:
		v, err := r.word(stage, c.String(), onbuild)
		if err != nil {
			return nil, nil, err
		}
		deps = append(deps, Input{Kind: KindInstruction, Value: v})
	default:
		return nil, nil, fmt.Errorf("%s: an instruction dagwerf cannot address", cmd.Name())
	}
	return deps, nil, nil
}

// stageArg resolves an ARG inside a stage: an import, else a werf.yaml arg, else
// its default expanded, else (no default) the meta or platform value. Inside
// ONBUILD it is only expanded.
func (r *resolver) stageArg(stage int, kv instructions.KeyValuePairOptional, onbuild bool) (string, string, error) {
	key, err := r.word(stage, kv.Key, onbuild)
	if err != nil {
		return "", "", err
	}
	def := value(kv)
	if onbuild {
		v, err := r.word(stage, def, onbuild)
		return key, v, err
	}
	v, fromImport, err := r.importValue(key)
	switch {
	case err != nil:
		return "", "", err
	case fromImport:
	default:
		var ok bool
		if v, ok = r.in.Args[key]; ok {
			break
		}
		if def == "" {
			v = r.metaAll[key]
		} else if v, err = r.word(stage, def, onbuild); err != nil {
			return "", "", err
		}
	}
	r.args(stage)[key] = v
	return key, v, nil
}

// checksum expands a COPY/ADD's sources and asks for their context checksum.
func (r *resolver) checksum(stage int, sources []string, onbuild bool) ([]string, string, error) {
	expanded := make([]string, 0, len(sources))
	for _, s := range sources {
		v, err := r.word(stage, s, onbuild)
		if err != nil {
			return nil, "", err
		}
		expanded = append(expanded, v)
	}
	if r.in.Checksum == nil {
		return nil, "", errors.New("no build context to checksum COPY/ADD sources against")
	}
	sum, err := r.in.Checksum(expanded)
	return expanded, sum, err
}

// onbuild lists what an ONBUILD trigger contributes: the trigger parsed as an
// instruction of its own, expanded with the stage's ENVs only.
func (r *resolver) onbuild(stage int, expression string) ([]Input, error) {
	ast, err := parser.Parse(strings.NewReader(expression))
	if err != nil {
		return nil, fmt.Errorf("ONBUILD %s: %w", expression, err)
	}
	if len(ast.AST.Children) != 1 {
		return nil, fmt.Errorf("ONBUILD %s: expected one instruction, found %d", expression, len(ast.AST.Children))
	}
	parsed, err := ParseInstruction(ast.AST.Children[0])
	if err != nil {
		return nil, fmt.Errorf("ONBUILD %s: %w", expression, err)
	}
	cmd, ok := parsed.(instructions.Command)
	if !ok {
		return nil, fmt.Errorf("ONBUILD %s: not an instruction a trigger can run", expression)
	}
	deps, _, err := r.instruction(stage, cmd, true)
	return deps, err
}
