// Package stepfile writes the Dockerfile that builds one stage of a staged
// image on the engine: FROM the previous stage as stored, the ARGs in scope with
// the values the original build would give them, and the instruction as the
// Dockerfile has it. The engine's own Dockerfile support performs the
// instruction, so every effect it has in a whole-Dockerfile build it has here.
package stepfile

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/dagwerf/dagwerf/stages/staged"
)

// File is a Dockerfile.
type File struct {
	Dockerfile string
}

// Stored is a stage of the image as stored: its full name and the Cmd of its
// image config.
type Stored struct {
	Name string
	Cmd  []string
}

// Inputs are what a step's Dockerfile takes from outside the Dockerfile.
type Inputs struct {
	// Stored are the stages before the step: the FROM stage, then one per earlier
	// step.
	Stored []Stored
	// Images are the stored last stages of the werf images that stage references
	// name (COPY --from, RUN --mount from=), by werf image name.
	Images map[string]string
	// BuildArgs are what the build is given: werf.yaml args and the dependencies'
	// import values.
	BuildArgs map[string]string
	// MetaArgs are the Dockerfile's ARGs before the first FROM.
	MetaArgs []instructions.ArgCommand
	// PlatformArgs are BuildKit's automatic TARGET*/BUILD* args for the platform.
	PlatformArgs map[string]string
	// BaseEnv is the Env of the FROM stage's image config.
	BaseEnv []string
}

// From is the Dockerfile of a FROM stage: the base image, whose ONBUILD triggers
// run here, as they do in a whole-Dockerfile build.
func From(ref string) File {
	return File{Dockerfile: "FROM " + ref + "\n"}
}

// Step writes the Dockerfile of img.Steps[i].
//
// It starts FROM the previous stage, unless an ONBUILD instruction of this
// Dockerfile stage came before: the triggers it left in the image config would
// run at that FROM, so the file starts from the stage before the first ONBUILD
// and replays the instructions since (cached by the engine).
func Step(img *staged.Image, i int, in Inputs) (File, error) {
	if i < 0 || i >= len(img.Steps) {
		return File{}, fmt.Errorf("%s: no step %d", img.Name, i)
	}
	if len(in.Stored) != i+1 {
		return File{}, fmt.Errorf("%s: step %d needs the %d stages before it, got %d", img.Name, i, i+1, len(in.Stored))
	}
	first := i // the first step the file performs
	for j := range i {
		if isOnBuild(img.Commands[img.Steps[j].Index]) {
			first = j
			break
		}
	}
	anchor := in.Stored[first]

	values, err := argValues(img, in)
	if err != nil {
		return File{}, err
	}
	esc := escape(img)
	var b strings.Builder
	if esc != '\\' {
		fmt.Fprintf(&b, "# escape=%c\n", esc)
	}
	fmt.Fprintf(&b, "FROM %s\n", anchor.Name)
	// Each ARG is declared where the Dockerfile declares it, with the value it
	// has there as its default: the same value at every point, however often
	// the ARG is declared again.
	declare := func(a *instructions.ArgCommand) error {
		for _, kv := range a.Args {
			v, ok := values[argPos{a, kv.Key}]
			switch {
			case !ok:
				fmt.Fprintf(&b, "ARG %s\n", kv.Key)
			case strings.ContainsAny(v, "\r\n"):
				return fmt.Errorf("%s: ARG %s: a value with a line break cannot be given to a staged step", img.Name, kv.Key)
			default:
				fmt.Fprintf(&b, "ARG %s=%s\n", kv.Key, quote(v, esc))
			}
		}
		return nil
	}
	start, end := img.Steps[first].Index, img.Steps[i].Index
	for _, c := range img.Commands[:start] {
		if a, ok := c.(*instructions.ArgCommand); ok {
			if err := declare(a); err != nil {
				return File{}, err
			}
		}
	}
	for k := start; k <= end; k++ {
		c := img.Commands[k]
		if a, ok := c.(*instructions.ArgCommand); ok {
			if err := declare(a); err != nil {
				return File{}, err
			}
			continue
		}
		step := stepAt(img, k)
		if step == nil {
			return File{}, fmt.Errorf("%s: instruction %d is not a step", img.Name, k)
		}
		text, err := render(step, in.Images)
		if err != nil {
			return File{}, fmt.Errorf("%s: line %d: %w", img.Name, step.Node.StartLine, err)
		}
		b.WriteString(text)
		// An ENTRYPOINT drops the Cmd unless the stage set one before it. When
		// that CMD came before this file begins, the engine cannot know it:
		// the Cmd the file started with is put back.
		if _, ok := c.(*instructions.EntrypointCommand); ok &&
			slices.ContainsFunc(img.Commands[:k], isCmd) && !slices.ContainsFunc(img.Commands[start:k], isCmd) && len(anchor.Cmd) > 0 {
			data, _ := json.Marshal(anchor.Cmd) // a []string always encodes
			fmt.Fprintf(&b, "CMD %s\n", data)
		}
	}
	return File{Dockerfile: b.String()}, nil
}

// quote writes v as one Dockerfile word that expands to v: bare when it holds
// nothing the lexer treats specially, else single-quoted.
func quote(v string, esc rune) string {
	if v != "" && !strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("./:_-@+,%", r))
	}) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "'"+string(esc)+"''") + "'"
}

func isOnBuild(c instructions.Command) bool { _, ok := c.(*instructions.OnbuildCommand); return ok }
func isCmd(c instructions.Command) bool     { _, ok := c.(*instructions.CmdCommand); return ok }

func stepAt(img *staged.Image, index int) *staged.Step {
	for _, s := range img.Steps {
		if s.Index == index {
			return s
		}
	}
	return nil
}

// argPos is an ARG of the stage: the instruction that declares it and its key.
type argPos struct {
	cmd *instructions.ArgCommand
	key string
}

// argValues are the values BuildKit gives each ARG of the stage in a
// whole-Dockerfile build: the build arg, else the default expanded with the
// environment at that point, else the meta ARG's value; an ARG without any is
// unset.
func argValues(img *staged.Image, in Inputs) (map[argPos]string, error) {
	lex := shell.NewLex(escape(img))
	meta := map[string]string{}
	for k, v := range in.PlatformArgs {
		meta[k] = v
	}
	for _, a := range in.MetaArgs {
		for _, kv := range a.Args {
			if v, ok := in.BuildArgs[kv.Key]; ok {
				meta[kv.Key] = v
			} else if kv.Value != nil {
				v, err := lex.ProcessWordWithMap(*kv.Value, meta)
				if err != nil {
					return nil, fmt.Errorf("%s: ARG %s: %w", img.Name, kv.Key, err)
				}
				meta[kv.Key] = v
			}
		}
	}
	env := map[string]string{}
	for _, kv := range in.BaseEnv {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	values := map[argPos]string{}
	for _, c := range img.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				v, err := lex.ProcessWordWithMap(kv.Value, env)
				if err != nil {
					return nil, fmt.Errorf("%s: ENV %s: %w", img.Name, kv.Key, err)
				}
				env[kv.Key] = v
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				v, ok := in.BuildArgs[kv.Key]
				if !ok && kv.Value != nil {
					var err error
					if v, err = lex.ProcessWordWithMap(*kv.Value, env); err != nil {
						return nil, fmt.Errorf("%s: ARG %s: %w", img.Name, kv.Key, err)
					}
					ok = true
				}
				if !ok {
					v, ok = meta[kv.Key]
				}
				if ok {
					env[kv.Key] = v
					values[argPos{c, kv.Key}] = v
				}
			}
		}
	}
	return values, nil
}

func escape(img *staged.Image) rune {
	if img.Escape == 0 {
		return '\\'
	}
	return img.Escape
}

// render is the instruction as the Dockerfile has it, with each stage reference
// replaced by the stored image of that stage, and its heredocs.
func render(step *staged.Step, images map[string]string) (string, error) {
	n := step.Node
	line := n.Original
	if len(step.StageRefs) > 0 {
		var err error
		if line, err = rewriteRefs(n, step.StageRefs, images); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	b.WriteString(line)
	b.WriteString("\n")
	for _, h := range n.Heredocs {
		b.WriteString(h.Content)
		if h.Content != "" && !strings.HasSuffix(h.Content, "\n") {
			b.WriteString("\n")
		}
		b.WriteString(h.Name)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// rewriteRefs replaces, in the flags of n's original line, `--from=<ref>` and
// the `from=<ref>` of each `--mount`, where ref names a stage, by the image
// stored for it.
func rewriteRefs(n *parser.Node, refs, images map[string]string) (string, error) {
	image := func(ref string) (string, bool, error) {
		name, ok := refs[ref]
		if !ok {
			return "", false, nil
		}
		stored, ok := images[name]
		if !ok {
			return "", false, fmt.Errorf("stage %q (%s) is not built", ref, name)
		}
		return stored, true, nil
	}
	line := n.Original
	pos := strings.IndexFunc(line, isSpace) // after the keyword
	if pos < 0 {
		return line, nil
	}
	var b strings.Builder
	b.WriteString(line[:pos])
	for _, flag := range n.Flags {
		at := strings.Index(line[pos:], flag)
		if at < 0 {
			return "", fmt.Errorf("cannot place the flag %s of %q", flag, line)
		}
		b.WriteString(line[pos : pos+at])
		pos += at + len(flag)
		name, value, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		switch name {
		case "from":
			stored, ok, err := image(value)
			if err != nil {
				return "", err
			}
			if ok {
				flag = "--from=" + stored
			}
		case "mount":
			fields, err := csv.NewReader(strings.NewReader(value)).Read()
			if err != nil {
				return "", fmt.Errorf("--mount=%s: %w", value, err)
			}
			changed := false
			for j, f := range fields {
				k, v, _ := strings.Cut(f, "=")
				if strings.ToLower(k) != "from" {
					continue
				}
				stored, ok, err := image(v)
				if err != nil {
					return "", err
				}
				if ok {
					fields[j], changed = k+"="+stored, true
				}
			}
			if changed {
				var out strings.Builder
				w := csv.NewWriter(&out)
				if err := w.Write(fields); err != nil {
					return "", err
				}
				w.Flush()
				flag = "--mount=" + strings.TrimSuffix(out.String(), "\n")
			}
		}
		b.WriteString(flag)
	}
	b.WriteString(line[pos:])
	return b.String(), nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' }
