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
	target, err := TargetIndex(d.stageNames(), in.Target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Path, err)
	}
	r := &resolver{ctx: ctx, d: d, in: in, stageArgs: map[int]map[string]string{}, stageEnvs: map[int]map[string]string{}}
	if err := r.resolveMetaArgs(); err != nil {
		return nil, err
	}

	own := make([][]string, len(d.stages))
	onbuild := make([][]string, len(d.stages))
	for i, stage := range d.stages {
		deps := append([]string(nil), in.AddHost...)
		base, err := expand(ctx, stage.BaseName, r.metaAll)
		if err != nil {
			return nil, d.errorAt(stage.Location, err)
		}
		if base == "" {
			return nil, d.errorAt(stage.Location, fmt.Errorf("FROM %s: invalid base image: the base image name expands to nothing (is its ARG declared before the first FROM and given a value?)", stage.BaseName))
		}
		deps = append(deps, base)
		for _, cmd := range stage.Commands {
			if err := ctx.Err(); err != nil {
				return nil, d.errorAt(cmd.Location(), err)
			}
			cmdDeps, cmdOnbuild, err := r.instruction(i, cmd, false)
			if err != nil {
				return nil, d.errorAt(cmd.Location(), err)
			}
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
		list = append(list, in.CacheVersion)
	}
	return list, nil
}

// appendStage adds the list of the stage a --from index names; other values are
// images and add nothing.
func appendStage(lists [][]string, i int, from string) []string {
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

// instruction returns the dependency strings of one instruction, and for ONBUILD
// the strings its trigger contributes to stages built FROM this one.
func (r *resolver) instruction(stage int, cmd instructions.Command, onbuild bool) (deps, onbuildDeps []string, err error) {
	switch c := cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			key, v, err := r.stageArg(stage, kv, onbuild)
			if err != nil {
				return nil, nil, err
			}
			deps = append(deps, "ARG "+key+"="+v)
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
			deps = append(deps, "ENV "+key+"="+v)
		}
	case *instructions.AddCommand:
		sum, err := r.checksum(stage, c.SourcePaths, onbuild)
		if err != nil {
			return nil, nil, err
		}
		deps = append(deps, c.String(), sum)
	case *instructions.CopyCommand:
		deps = append(deps, c.String())
		if c.From == "" {
			sum, err := r.checksum(stage, c.SourcePaths, onbuild)
			if err != nil {
				return nil, nil, err
			}
			deps = append(deps, sum)
		}
	case *instructions.OnbuildCommand:
		trigger, err := r.onbuild(stage, c.Expression)
		if err != nil {
			return nil, nil, err
		}
		return []string{c.Expression}, trigger, nil
	case fmt.Stringer:
		v, err := r.word(stage, c.String(), onbuild)
		if err != nil {
			return nil, nil, err
		}
		deps = append(deps, v)
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
func (r *resolver) checksum(stage int, sources []string, onbuild bool) (string, error) {
	expanded := make([]string, 0, len(sources))
	for _, s := range sources {
		v, err := r.word(stage, s, onbuild)
		if err != nil {
			return "", err
		}
		expanded = append(expanded, v)
	}
	if r.in.Checksum == nil {
		return "", errors.New("no build context to checksum COPY/ADD sources against")
	}
	return r.in.Checksum(expanded)
}

// onbuild lists what an ONBUILD trigger contributes: the trigger parsed as an
// instruction of its own, expanded with the stage's ENVs only.
func (r *resolver) onbuild(stage int, expression string) ([]string, error) {
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
