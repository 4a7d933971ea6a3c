// Package stages addresses images by their content, byte for byte as werf v2 does:
// the dependency list of a Dockerfile image (package stages/dockerfile) over the
// checksum of its build context (package stages/buildcontext) becomes the stage
// digest, the digest and a creation time become the stage's tag, and the values an
// image hands to its dependents come from the stage the registry holds. Explain
// says in words why a stage's digest differs between two commits, from the named
// inputs (dockerfile.Input) each dependency string is recorded with.
//
// It computes; it never talks to a registry or an engine.
package stages
