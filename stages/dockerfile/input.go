package dockerfile

import "strconv"

// InputKind says what made a dependency string.
type InputKind string

const (
	KindAddHost      InputKind = "addHost"       // a werf.yaml addHost entry, repeated per Dockerfile stage
	KindBaseImage    InputKind = "base image"    // a FROM's base, expanded
	KindInstruction  InputKind = "instruction"   // an instruction, expanded; one per key for ARG and ENV
	KindContextFiles InputKind = "context files" // the context checksum of a COPY/ADD's sources
	KindCacheVersion InputKind = "cacheVersion"  // werf.yaml's cacheVersion
)

// Input is where one dependency string came from, so that the lists of two
// commits can be compared in words. It is not hashed: only Value is.
type Input struct {
	Kind InputKind
	// File is the Dockerfile as named in errors; Line is the 1-based line of the
	// instruction (of the ONBUILD, for what a trigger contributes). Both are zero
	// for addHost and cacheVersion.
	File string
	Line int
	// Instruction is the instruction as written (its first line for a heredoc),
	// e.g. "COPY . /app" or "FROM alpine AS build".
	Instruction string
	// Stage is the Dockerfile stage the entry belongs to: its name, or its index
	// when it has none. A stage's entries keep it when the list of a stage built
	// from it takes them in.
	Stage string
	// Key is the variable of an ARG or ENV entry (expanded); "" otherwise.
	Key string
	// Value is the dependency string itself.
	Value string
	// Sources are the COPY/ADD sources of a context-files entry, expanded and
	// relative to the build context.
	Sources []string
}

// Values are the dependency strings of inputs, in order.
func Values(inputs []Input) []string {
	out := make([]string, len(inputs))
	for i, in := range inputs {
		out[i] = in.Value
	}
	return out
}

// stageLabel names stage i as Input.Stage does.
func stageLabel(name string, i int) string {
	if name != "" {
		return name
	}
	return strconv.Itoa(i)
}
