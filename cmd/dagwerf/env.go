package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation marks a flag with the variables its default comes from.
const envAnnotation = "dagwerf/env"

// environment defines flags whose defaults come from werf's WERF_* variables. A
// variable that does not parse is kept and reported before a command that has
// the flag runs, so that a typo in CI settings fails loudly instead of being
// ignored, and does not trouble commands that do not read it.
type environment struct {
	vars map[string]string
	errs map[string]error // by variable
}

// newEnvironment reads environ, "KEY=VALUE" entries as os.Environ gives them.
func newEnvironment(environ []string) *environment {
	e := &environment{vars: make(map[string]string, len(environ))}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		e.vars[k] = v
	}
	return e
}

func (e *environment) lookup(name string) (string, bool) {
	v, ok := e.vars[name]
	return v, ok
}

func (e *environment) value(name string) (string, bool) {
	v, ok := e.lookup(name)
	return v, ok && v != ""
}

// home is dagwerf's home directory: $DAGWERF_HOME, else "" for the default
// (~/.dagwerf).
func (e *environment) home() string {
	h, _ := e.value("DAGWERF_HOME")
	return h
}

func (e *environment) fail(name string, err error) {
	if e.errs == nil {
		e.errs = map[string]error{}
	}
	e.errs[name] = err
}

func annotate(fs *pflag.FlagSet, flag string, vars ...string) {
	_ = fs.SetAnnotation(flag, envAnnotation, vars) // the flag was just defined
}

func (e *environment) stringFlag(fs *pflag.FlagSet, p *string, name, variable, def, usage string) {
	e.stringFlagP(fs, p, name, "", variable, def, usage)
}

func (e *environment) stringFlagP(fs *pflag.FlagSet, p *string, name, short, variable, def, usage string) {
	if v, ok := e.value(variable); ok {
		def = v
	}
	fs.StringVarP(p, name, short, def, usage)
	annotate(fs, name, variable)
}

func (e *environment) boolFlag(fs *pflag.FlagSet, p *bool, name, short, variable string, def bool, usage string) {
	if v, ok := e.value(variable); ok {
		switch strings.ToLower(v) {
		case "1", "t", "true", "yes", "y", "on":
			def = true
		case "0", "f", "false", "no", "n", "off":
			def = false
		default:
			e.fail(variable, fmt.Errorf("%s=%q: expected true or false", variable, v))
		}
	}
	fs.BoolVarP(p, name, short, def, usage)
	annotate(fs, name, variable)
}

func (e *environment) intFlag(fs *pflag.FlagSet, p *int, name, variable string, def int, usage string) {
	if v, ok := e.value(variable); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.fail(variable, fmt.Errorf("%s=%q: expected an integer", variable, v))
		} else {
			def = n
		}
	}
	fs.IntVar(p, name, def, usage)
	annotate(fs, name, variable)
}

// listFlag takes its default from the first of the variables that is set, as one
// element (werf splits commas later).
func (e *environment) listFlag(fs *pflag.FlagSet, p *[]string, name string, variables []string, usage string) {
	var def []string
	for _, variable := range variables {
		if v, ok := e.value(variable); ok {
			def = []string{v}
			break
		}
	}
	fs.StringArrayVar(p, name, def, usage)
	annotate(fs, name, variables...)
}

// prefixListFlag takes its default from the variable and every variable that
// starts with it and "_" (werf's WERF_CACHE_REPO_1, WERF_CACHE_REPO_EU, ...), in
// name order.
func (e *environment) prefixListFlag(fs *pflag.FlagSet, p *[]string, name, variable string, usage string) {
	var def []string
	if v, ok := e.value(variable); ok {
		def = append(def, v)
	}
	var names []string
	for k := range e.vars {
		if strings.HasPrefix(k, variable+"_") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if v, ok := e.value(n); ok {
			def = append(def, v)
		}
	}
	fs.StringArrayVar(p, name, def, usage)
	annotate(fs, name, variable)
}

// check reports the unparsable variables behind the command's flags.
func (e *environment) check(cmd *cobra.Command) error {
	var msgs []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		for _, v := range f.Annotations[envAnnotation] {
			if err := e.errs[v]; err != nil && !slices.Contains(msgs, err.Error()) {
				msgs = append(msgs, err.Error())
			}
		}
	})
	if len(msgs) == 0 {
		return nil
	}
	slices.Sort(msgs)
	return fmt.Errorf("invalid environment: %s", strings.Join(msgs, "; "))
}
