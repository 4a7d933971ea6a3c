package pipeline

import (
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/stages/stapel"
)

// The named inputs of stage digests, for `dagwerf digest --log-debug`: what
// werf prints with WERF_DEBUG_STAGE_DIGEST, in dagwerf's words.

// platformInput is the platform argument werf's calculateDigest takes for
// every platform but linux/amd64.
func platformInputs(platform string) []DigestInput {
	if platform == "" || platform == "linux/amd64" {
		return nil
	}
	return []DigestInput{{"TargetPlatform", platform}}
}

// stapelInputs are a Stapel stage's digest arguments and what its
// dependencies are made of.
func stapelInputs(st *stapel.Stage) []DigestInput {
	out := make([]DigestInput, 0, len(st.Args)+len(st.Dependencies))
	for _, a := range st.Args {
		out = append(out, DigestInput{a.Name, a.Value})
	}
	for _, d := range st.Dependencies {
		out = append(out, DigestInput{"StageDependencies: " + d.Name, d.Value})
	}
	return out
}

// dockerfileInputs are a Dockerfile image's stage digest arguments and the
// Dockerfile entries its dependencies hash, each named by where it came from.
func dockerfileInputs(stage *stages.Stage) []DigestInput {
	out := append(platformInputs(stage.Platform),
		DigestInput{"BuildCacheVersion", stages.BuildCacheVersion},
		DigestInput{"StageName", stageDockerfile},
		DigestInput{"StageDependencies", stages.Sha256(stage.Dependencies...)},
	)
	for i, in := range stage.Inputs {
		name := string(in.Kind)
		switch {
		case in.Instruction != "" && in.Line > 0:
			name = fmt.Sprintf("%s %s:%d %s", in.Kind, in.File, in.Line, in.Instruction)
		case in.Instruction != "":
			name = fmt.Sprintf("%s %s", in.Kind, in.Instruction)
		}
		if in.Key != "" {
			name += " (" + in.Key + ")"
		}
		value := in.Value
		if i < len(stage.Dependencies) {
			value = stage.Dependencies[i]
		}
		out = append(out, DigestInput{"StageDependencies: " + name, value})
	}
	return out
}

// imageSpecInputs are the imageSpec stage's digest arguments.
func imageSpecInputs(platform, prev string, spec *config.ImageSpec) []DigestInput {
	return append(platformInputs(platform),
		DigestInput{"BuildCacheVersion", stages.BuildCacheVersion},
		DigestInput{"StageName", imagespec.StageName},
		DigestInput{"StageDependencies", imagespec.Dependencies(spec)},
		DigestInput{"PrevNonEmptyStage digest", prev},
		DigestInput{"PrevNonEmptyStage dependencies for next stage", ""},
	)
}
