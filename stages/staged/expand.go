package staged

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// defaultPath is the PATH every step sees unless the base image sets one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// lexer is BuildKit's shell word processor as werf sets it up: the Dockerfile's
// escape token, and SkipUnsetEnv for the first-stage expansion, which leaves a
// variable it does not know as written.
func lexer(escape rune, skipUnset bool) *guardedLex {
	lex := shell.NewLex(escape)
	lex.SkipUnsetEnv = skipUnset
	return &guardedLex{lex: lex, escape: escape}
}

// guardedLex refuses a word whose expansion could pass the limits of
// dockerfile.CheckExpansion before BuildKit's lexer takes it (ARGs doubling one
// another would otherwise keep the lexer busy for minutes), and turns the
// lexer's panics (on `${A#}`) into errors; both are *refusal errors.
type guardedLex struct {
	lex    *shell.Lex
	escape rune
}

// refusal is a word the lexer was not given, or panicked on: unlike its errors,
// one werf would not have ignored.
type refusal struct{ err error }

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

func (l *guardedLex) ProcessWordWithMap(word string, env map[string]string) (out string, err error) {
	err = l.guard(word, env, func() (err error) {
		out, err = l.lex.ProcessWordWithMap(word, env)
		return err
	})
	return out, err
}

func (l *guardedLex) ProcessWordsWithMap(word string, env map[string]string) (out []string, err error) {
	err = l.guard(word, env, func() (err error) {
		out, err = l.lex.ProcessWordsWithMap(word, env)
		return err
	})
	return out, err
}

func (l *guardedLex) guard(word string, env map[string]string, process func() error) (err error) {
	if err := dockerfile.CheckExpansion(word, env, l.escape); err != nil {
		return &refusal{err}
	}
	defer func() {
		if p := recover(); p != nil {
			err = &refusal{fmt.Errorf("BuildKit's lexer failed on %q: %v", word, p)}
		}
	}()
	return process()
}

// expandCommand is werf's DockerfileStageInstruction.Expand: the fields BuildKit
// expands itself (§3.4), plus EXPOSE, whose ports werf splits into words and
// concatenates, so that a port expanding to nothing is dropped.
func expandCommand(cmd instructions.Command, env map[string]string, lex *guardedLex) error {
	switch c := cmd.(type) {
	case instructions.SupportsSingleWordExpansion:
		return c.Expand(func(word string) (string, error) { return lex.ProcessWordWithMap(word, env) })
	case *instructions.ExposeCommand:
		ports := []string{}
		for _, p := range c.Ports {
			words, err := lex.ProcessWordsWithMap(p, env)
			if err != nil {
				return fmt.Errorf("unable to expand expose instruction port %q: %w", p, err)
			}
			ports = append(ports, words...)
		}
		c.Ports = ports
	}
	return nil
}

// resolveMetaArgs gives the values the FROM lines and undefaulted stage ARGs see
// (§3.2): each ARG before the first FROM, dependency imports left out, its default
// expanded against the ones before it and overridden by a werf.yaml arg; over
// BuildKit's platform ARGs.
func resolveMetaArgs(metaArgs []instructions.ArgCommand, o MapOptions, escape rune) (map[string]string, error) {
	lex := lexer(escape, true)
	declared := map[string]string{}
	for _, cmd := range metaArgs {
		for _, kv := range cmd.Args {
			if slices.Contains(o.ImportArgs, kv.Key) {
				continue
			}
			var value *string
			if kv.Value != nil {
				// werf ignores the error and keeps what the lexer returned; a refusal
				// is an error, as "" in its place would be a digest werf does not
				// compute.
				v, err := lex.ProcessWordWithMap(*kv.Value, declared)
				if r := (*refusal)(nil); errors.As(err, &r) {
					line := 0
					if loc := cmd.Location(); len(loc) > 0 {
						line = loc[0].Start.Line
					}
					return nil, fmt.Errorf("%s:%d: werf image %q: %w", o.Path, line, o.Image, err)
				}
				value = &v
			}
			if v, ok := o.Args[kv.Key]; ok {
				value = &v
			}
			declared[kv.Key] = ""
			if value != nil {
				declared[kv.Key] = *value
			}
		}
	}
	all, err := dockerfile.PlatformArgs(o.Platform)
	if err != nil {
		return nil, fmt.Errorf("%s: werf image %q: %w", o.Path, o.Image, err)
	}
	maps.Copy(all, declared)
	return all, nil
}

// removeDependencyArgs drops the ARGs a dependency import fills: they stay
// literal until the second-stage expansion supplies them (§3.7).
func removeDependencyArgs(args []instructions.KeyValuePairOptional, importArgs []string) []instructions.KeyValuePairOptional {
	var kept []instructions.KeyValuePairOptional
	for _, kv := range args {
		if !slices.Contains(importArgs, kv.Key) {
			kept = append(kept, kv)
		}
	}
	return kept
}

// envToMap is werf's EnvToMap: each "K=V" split at the first "=", a bare "K"
// meaning "".
func envToMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// envToSortedArr is werf's EnvToSortedArr: "k=v" sorted as whole strings.
func envToSortedArr(env map[string]string) []string {
	r := make([]string, 0, len(env))
	for k, v := range env {
		r = append(r, k+"="+v)
	}
	sort.Strings(r)
	return r
}

// expandedEnv is werf's expandBaseEnv (§4.3): the default PATH, the base image's
// env over it, and the step's snapshot values over both, each expanded against
// the first two only.
func expandedEnv(snapshot map[string]string, baseEnv []string, lex *guardedLex) (map[string]string, error) {
	base := map[string]string{"PATH": defaultPath}
	maps.Copy(base, envToMap(baseEnv))
	env := maps.Clone(base)
	for k, v := range snapshot {
		expanded, err := lex.ProcessWordWithMap(v, base)
		if err != nil {
			return nil, fmt.Errorf("error processing word %q: %w", v, err)
		}
		env[k] = expanded
	}
	return env, nil
}

// cloneForExpansion copies the fields of a first-expanded command that the
// second-stage expansion rewrites, so that a step's digest can be computed again.
// A RUN keeps its mounts outside its struct, so it is parsed afresh: its mounts are
// parsed from the raw flags on every expansion anyway.
func (s *Step) cloneForExpansion() (instructions.Command, error) {
	switch c := s.cmd.(type) {
	case *instructions.EnvCommand:
		cp := *c
		cp.Env = slices.Clone(c.Env)
		return &cp, nil
	case *instructions.LabelCommand:
		cp := *c
		cp.Labels = slices.Clone(c.Labels)
		return &cp, nil
	case *instructions.AddCommand:
		cp := *c
		cp.SourcePaths = slices.Clone(c.SourcePaths)
		return &cp, nil
	case *instructions.CopyCommand:
		cp := *c
		cp.SourcePaths = slices.Clone(c.SourcePaths)
		return &cp, nil
	case *instructions.VolumeCommand:
		cp := *c
		cp.Volumes = slices.Clone(c.Volumes)
		return &cp, nil
	case *instructions.ExposeCommand:
		cp := *c
		cp.Ports = slices.Clone(c.Ports)
		return &cp, nil
	case *instructions.WorkdirCommand:
		cp := *c
		return &cp, nil
	case *instructions.UserCommand:
		cp := *c
		return &cp, nil
	case *instructions.StopSignalCommand:
		cp := *c
		return &cp, nil
	case *instructions.RunCommand:
		cmd, err := dockerfile.ParseInstruction(s.Node)
		if err != nil {
			return nil, err
		}
		run, ok := cmd.(*instructions.RunCommand)
		if !ok {
			return nil, fmt.Errorf("%s parsed as %T", s.Name, cmd)
		}
		return run, nil
	}
	// The others are never expanded.
	return s.cmd, nil
}
