package dockerfile_test

import (
	"testing"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// FuzzDependencies parses and lists any Dockerfile: an error is fine, a panic is
// not. The seeds run in plain go test.
func FuzzDependencies(f *testing.F) {
	for _, seed := range []string{
		"FROM alpine\nRUN echo hello\n",
		m1,
		imagesJSON,
		"ARG A\nFROM ${A:-x} AS a\nCOPY --from=a . .\nONBUILD ADD x y\nFROM a\n",
		"FROM a AS b\nRUN --mount=type=bind,from=b,target=/x true\nCOPY --from=-1 x y\n",
		"FROM a\nCOPY <<EOF <<EOT /x\n1\nEOF\n2\nEOT\n",
		"# escape=`\nFROM a\nRUN x `\n\n",
		"FROM a\nHEALTHCHECK --interval=5s CMD [\"true\"]\nSHELL [\"sh\",\"-c\"]\n",
	} {
		f.Add(seed, "", "linux/amd64")
	}
	f.Fuzz(func(t *testing.T, content, target, platform string) {
		d, err := dockerfile.Parse("Dockerfile", []byte(content))
		if err != nil {
			return
		}
		_, _ = d.Dependencies(t.Context(), dockerfile.Inputs{
			Target:     target,
			Platform:   platform,
			Args:       map[string]string{"A": "1"},
			ImportArgs: []string{"B"},
			Import:     func(string) (string, error) { return "img:tag", nil },
			Checksum:   stubChecksum,
		})
	})
}
