// Package stapel addresses a Stapel image (werf.yaml `image:` without
// `dockerfile`, or a legacy `artifact:`) stage by stage, byte for byte as werf
// v2.77.1 does: the list of stages the image has, each stage's digest, the
// werf-stage-content-digest of a stage built now, and the labels werf puts on
// it.
//
// A Stapel image is a chain: a stage's digest takes the digest of the previous
// non-empty stage, and what that stage hands on — for git stages and the user
// stages after them, the commits it was built from, read from the stage the
// registry holds. Whether gitCache and gitLatestPatch are empty also depends on
// the previous stage as stored. So the chain is walked one stage at a time
// against the stages storage: Next gives a stage's digest, the caller looks it
// up, picks a stored stage with Stage.Select and reports it with Found, or
// builds one with the labels Building returns. Address does that walk for a
// caller that only needs digests.
//
// It computes; it never talks to a registry, an engine or a git repository
// itself. What comes from other images, the registry or git comes through
// Options: Images, ImportChecksums, BaseImageID and the opened git mappings
// (package stages/stapel/gitmap).
//
// The rules, with werf's sources, are in pkg/build/build_phase.go
// (calculateStage, calculateDigest), pkg/build/image/stapel.go (the stage
// list), pkg/build/stage/*.go (each stage) and pkg/build/builder/shell.go.
// werf v3 changed all of this; this package follows v2.
package stapel
