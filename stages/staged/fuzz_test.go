package staged

import (
	"testing"
)

// FuzzMap maps any bytes and addresses every stage it finds: an error is fine, a
// panic or a hang is not. The seeds run in plain go test.
func FuzzMap(f *testing.F) {
	for _, seed := range []string{
		g1,
		multiStage,
		"ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG DEP_TAG\nRUN echo $DEP_TAG\n",
		"FROM a AS Build\nFROM build\nRUN x\n",
		"FROM b AS a\nFROM a AS b\nFROM b\n",
		"FROM a\nCOPY <<EOF /x\n1\nEOF\n",
		"# escape=`\nFROM a\nRUN x `\n\n",
		"FROM a\nHEALTHCHECK --interval=5s CMD [\"true\"]\nSHELL [\"sh\",\"-c\"]\nEXPOSE $X 80\nONBUILD RUN x\n",
		"FROM a\nRUN --mount=type=cache,target=/c,mode=0755 --mount=from=0,target=/x --security=insecure true\n",
		"FROM a AS x\nRUN <<EOT\nbody\nEOT\nFROM a\nCOPY --from=x --chmod=$M a b\nADD http://x/y z\n",
		"",
		"FROM",
		"ARG A=${\nFROM a\n",
	} {
		f.Add([]byte(seed), "")
	}
	f.Fuzz(func(t *testing.T, dockerfile []byte, target string) {
		images, err := Map(dockerfile, MapOptions{
			Image: "app", Target: target, Platform: "linux/arm64",
			Args: map[string]string{"A": "1"}, ImportArgs: []string{"B"},
		})
		if err != nil {
			return
		}
		in := Inputs{
			Platform:       "linux/arm64",
			DependencyArgs: map[string]string{"B": "img:tag"},
			BaseEnv:        []string{"PATH=/bin", "X"},
			LastImageName:  func(image string) (string, error) { return "r:" + image + "-1", nil },
			checksum:       stubContext{{"a", "A"}},
		}
		for _, img := range images {
			prev, _, err := img.FromDigest(in)
			if err != nil {
				continue
			}
			for i := range img.Steps {
				if d, err := img.StepDigest(i, prev, in); err == nil {
					prev = d
				}
			}
		}
	})
}
