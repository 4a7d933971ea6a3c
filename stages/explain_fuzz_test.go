package stages_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// fuzzStage lists a Dockerfile's inputs with a checksum that names its sources;
// nil when the Dockerfile does not parse or list.
func fuzzStage(t *testing.T, content, arg string) *stages.Stage {
	d, err := dockerfile.Parse("Dockerfile", []byte(content))
	if err != nil {
		return nil
	}
	inputs, err := d.DependencyInputs(t.Context(), dockerfile.Inputs{
		Platform:     "linux/amd64",
		Args:         map[string]string{"A": arg},
		AddHost:      []string{"h:" + arg},
		CacheVersion: arg,
		Checksum:     func(s []string) (string, error) { return "CS[" + strings.Join(s, ",") + "]", nil },
	})
	if err != nil {
		return nil
	}
	return &stages.Stage{Platform: "linux/amd64", Dependencies: dockerfile.Values(inputs), Inputs: inputs}
}

// FuzzExplain explains any two Dockerfiles: no panic, and changes exactly when
// the dependency lists differ. The seeds run in plain go test.
func FuzzExplain(f *testing.F) {
	for _, seed := range [][4]string{
		{"FROM a\nRUN x\n", "FROM a\nRUN x\n", "1", "1"},
		{"FROM a\nRUN x\n", "FROM a\nRUN y\nRUN x\n", "1", "1"},
		{"FROM a AS s\nRUN 1\nRUN 2\n", "FROM a AS t\nRUN 2\nRUN 1\n", "", ""},
		{"ARG A\nFROM x:$A AS b\nARG A\nENV E=$A\nCOPY $A /\nONBUILD COPY . /\nFROM b\nCOPY --from=b / /\n", "ARG A\nFROM x:$A AS b\nARG A\nENV E=$A\nCOPY $A /\nONBUILD COPY . /\nFROM b\nCOPY --from=b / /\n", "1", "2"},
		{"FROM a\nARG A B\nRUN $A $B\n", "FROM a\nARG B A\nRUN $A $B\n", "1", "1"},
		{"FROM a\nFROM b\nFROM c\n", "FROM c\nFROM b\nFROM a\n", "", "1"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, a, b, argA, argB string) {
		old, new := fuzzStage(t, a, argA), fuzzStage(t, b, argB)
		if old == nil || new == nil {
			return
		}
		changes := stages.Explain(old, new)
		for _, c := range changes {
			_ = c.String()
		}
		if equal := slices.Equal(old.Dependencies, new.Dependencies); equal != (len(changes) == 0) {
			t.Fatalf("lists equal: %v, but %d changes: %v\nold %q\nnew %q", equal, len(changes), changes, old.Dependencies, new.Dependencies)
		}
	})
}
