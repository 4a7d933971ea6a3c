package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// Sprig's functions that make a list or a string of a size they are given build it
// whole, however large: `until 100000000` takes gigabytes and seconds before the
// rendered output's limit can see anything. These bounds refuse such sizes up
// front; below them the functions behave as sprig's.
const (
	maxTemplateElements = 1_000_000       // elements of a list, random characters or bytes
	maxTemplateString   = maxRenderedSize // bytes of a made string
)

// boundedFuncs replaces the sprig functions in funcs that make something of a
// size given to them.
func boundedFuncs(funcs map[string]any) {
	until := funcs["until"].(func(int) []int)
	funcs["until"] = func(count int) ([]int, error) {
		n := uint64(count)
		if count < 0 {
			n = -n
		}
		if err := checkElements("until "+strconv.Itoa(count), n); err != nil {
			return nil, err
		}
		return until(count), nil
	}
	funcs["untilStep"] = func(start, stop, step int) ([]int, error) {
		return untilStep(fmt.Sprintf("untilStep %d %d %d", start, stop, step), start, stop, step)
	}
	funcs["seq"] = seq

	repeat := funcs["repeat"].(func(int, string) string)
	funcs["repeat"] = func(count int, str string) (string, error) {
		if count > 0 && len(str) > 0 {
			if err := checkString(fmt.Sprintf("repeat %d of a %d-byte string", count, len(str)), uint64(count), uint64(len(str)), 0); err != nil {
				return "", err
			}
		}
		return repeat(count, str), nil
	}
	for _, name := range []string{"indent", "nindent"} {
		indent := funcs[name].(func(int, string) string)
		extra := uint64(len(name) - len("indent")) // nindent's leading newline
		funcs[name] = func(spaces int, v string) (string, error) {
			if spaces > 0 {
				lines := uint64(strings.Count(v, "\n")) + 1
				what := fmt.Sprintf("%s %d of a %d-line string", name, spaces, lines)
				if err := checkString(what, uint64(spaces), lines, uint64(len(v))+extra); err != nil {
					return "", err
				}
			}
			return indent(spaces, v), nil
		}
	}
	// Random strings are made a character at a time from crypto/rand, which is slow
	// long before they are large.
	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		random := funcs[name].(func(int) string)
		funcs[name] = func(count int) (string, error) {
			if count > maxTemplateElements {
				return "", fmt.Errorf("%s %d would make %d random characters, more than the %d a template may make", name, count, count, maxTemplateElements)
			}
			return random(count), nil
		}
	}
	randBytes := funcs["randBytes"].(func(int) (string, error))
	funcs["randBytes"] = func(count int) (string, error) {
		if count > maxTemplateElements {
			return "", fmt.Errorf("randBytes %d would make %d random bytes, more than the %d a template may make", count, count, maxTemplateElements)
		}
		return randBytes(count)
	}
}

func checkElements(what string, n uint64) error {
	if n > maxTemplateElements {
		return fmt.Errorf("%s would make %d elements, more than the %d a template may make", what, n, maxTemplateElements)
	}
	return nil
}

// checkString refuses a string of count×size+extra bytes above maxTemplateString.
func checkString(what string, count, size, extra uint64) error {
	if count > (math.MaxUint64-extra)/size || count*size+extra > maxTemplateString {
		total := "more than 2^64"
		if count <= (math.MaxUint64-extra)/size {
			total = strconv.FormatUint(count*size+extra, 10)
		}
		return fmt.Errorf("%s would make %s bytes, more than the %d MiB a template string may have", what, total, maxTemplateString>>20)
	}
	return nil
}

// stepCount is how many elements sprig's untilStep makes: from start towards stop
// (excluded) by step, none when step does not lead there.
func stepCount(start, stop, step int) uint64 {
	switch {
	case stop > start && step > 0:
		// The difference of two ints always fits a uint64.
		return (uint64(stop)-uint64(start)-1)/uint64(step) + 1
	case stop < start && step < 0:
		return (uint64(start)-uint64(stop)-1)/(-uint64(step)) + 1
	}
	return 0
}

// untilStep is sprig's untilStep with its size checked first. It computes each
// element from the start rather than adding up steps, which sprig does and which
// wraps around (and never ends) when a step overshoots the largest int.
func untilStep(what string, start, stop, step int) ([]int, error) {
	n := stepCount(start, stop, step)
	if err := checkElements(what, n); err != nil {
		return nil, err
	}
	v := make([]int, 0, n)
	for i := range int(n) {
		v = append(v, start+i*step)
	}
	return v, nil
}

// seq is sprig's seq (`seq END`, `seq START END`, `seq START STEP END`: the
// numbers separated by spaces, END included) on the checked untilStep.
func seq(params ...int) (string, error) {
	what := "seq"
	for _, p := range params {
		what += " " + strconv.Itoa(p)
	}
	var start, step, end int
	switch len(params) {
	case 1:
		start, step, end = 1, 1, params[0]
		if end < start {
			step = -1
		}
	case 2:
		start, step, end = params[0], 1, params[1]
		if end < start {
			step = -1
		}
	case 3:
		start, step, end = params[0], params[1], params[2]
		if end < start && step > 0 {
			return "", nil
		}
	default:
		return "", nil
	}
	// sprig stops one past END in the direction of the sequence (by 1, whatever
	// the step), wrapping around as int arithmetic does.
	stop := end + 1
	if end < start {
		stop = end - 1
	}
	v, err := untilStep(what, start, stop, step)
	if err != nil {
		return "", err
	}
	return strings.Trim(strings.Join(strings.Fields(fmt.Sprint(v)), " "), "[]"), nil
}

// guardedMutations replaces sprig's functions that change a dict in place so that
// none makes a dict contain itself: printing one, or toYaml, recurses without end
// and overflows the stack, which kills the process.
func guardedMutations(funcs map[string]any) {
	set := funcs["set"].(func(map[string]any, string, any) map[string]any)
	funcs["set"] = func(d map[string]any, key string, value any) (map[string]any, error) {
		if contains(value, d) {
			return nil, fmt.Errorf("the value set under %q contains the dict itself, which would make it endless", key)
		}
		return set(d, key, value), nil
	}
	for _, name := range []string{"merge", "mergeOverwrite"} {
		merge := funcs[name].(func(map[string]any, ...map[string]any) any)
		funcs[name] = func(dst map[string]any, srcs ...map[string]any) (any, error) {
			if err := checkMerge(dst, srcs); err != nil {
				return nil, err
			}
			return merge(dst, srcs...), nil
		}
	}
	for _, name := range []string{"mustMerge", "mustMergeOverwrite"} {
		merge := funcs[name].(func(map[string]any, ...map[string]any) (any, error))
		funcs[name] = func(dst map[string]any, srcs ...map[string]any) (any, error) {
			if err := checkMerge(dst, srcs); err != nil {
				return nil, err
			}
			return merge(dst, srcs...)
		}
	}
}

func checkMerge(dst map[string]any, srcs []map[string]any) error {
	for _, src := range srcs {
		for _, v := range src {
			if contains(v, dst) {
				return fmt.Errorf("a dict merged into the first one contains the first one, which would make it endless")
			}
		}
	}
	return nil
}

// contains reports whether v is or holds the map target, through maps, slices,
// arrays, pointers and interfaces. Each container is looked into once, so shared
// parts cost nothing more; the walk keeps its own stack, as nesting may be deep.
func contains(v any, target map[string]any) bool {
	want := reflect.ValueOf(target).UnsafePointer()
	type visit struct {
		ptr  unsafe.Pointer
		kind reflect.Kind
		len  int
	}
	seen := map[visit]bool{}
	first := func(v reflect.Value) bool {
		key := visit{v.UnsafePointer(), v.Kind(), 0}
		if v.Kind() == reflect.Slice {
			key.len = v.Len()
		}
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	stack := []reflect.Value{reflect.ValueOf(v)}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				stack = append(stack, v.Elem())
			}
		case reflect.Pointer:
			if !v.IsNil() && first(v) {
				stack = append(stack, v.Elem())
			}
		case reflect.Map:
			if v.IsNil() {
				continue
			}
			if v.UnsafePointer() == want {
				return true
			}
			if first(v) {
				for it := v.MapRange(); it.Next(); {
					stack = append(stack, it.Value())
				}
			}
		case reflect.Slice:
			if v.Len() > 0 && first(v) {
				for i := range v.Len() {
					stack = append(stack, v.Index(i))
				}
			}
		case reflect.Array:
			for i := range v.Len() {
				stack = append(stack, v.Index(i))
			}
		}
	}
	return false
}
