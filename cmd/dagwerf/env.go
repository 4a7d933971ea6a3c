package main

import (
	"fmt"
	"strconv"
	"strings"
)

// environment gives flags their defaults from werf's WERF_* variables. A variable
// that does not parse is kept as an error and reported before the command runs,
// so that a typo in CI settings fails loudly instead of being ignored.
type environment struct {
	lookup func(string) (string, bool)
	errs   []error
}

func (e *environment) str(name, def string) string {
	if v, ok := e.lookup(name); ok && v != "" {
		return v
	}
	return def
}

func (e *environment) boolean(name string, def bool) bool {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	switch strings.ToLower(v) {
	case "1", "t", "true", "yes", "y", "on":
		return true
	case "0", "f", "false", "no", "n", "off":
		return false
	}
	e.errs = append(e.errs, fmt.Errorf("%s=%q: expected true or false", name, v))
	return def
}

func (e *environment) integer(name string, def int) int {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: expected an integer", name, v))
		return def
	}
	return n
}

// list is the first of the variables that is set, as a one-element list (werf
// splits commas later).
func (e *environment) list(names ...string) []string {
	for _, n := range names {
		if v := e.str(n, ""); v != "" {
			return []string{v}
		}
	}
	return nil
}

func (e *environment) err() error {
	if len(e.errs) == 0 {
		return nil
	}
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
	}
	return fmt.Errorf("invalid environment: %s", strings.Join(msgs, "; "))
}
