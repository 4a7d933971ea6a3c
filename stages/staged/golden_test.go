package staged

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
)

// stubContext is werf's build-context stub of its instruction tests
// (stubs_test.go, staged-facts §7): it hashes file data, found by name.
type stubContext []stubFile

type stubFile struct{ name, data string }

func (s stubContext) globs(globs []string) (string, error) {
	var a []string
	for _, p := range globs {
		for _, f := range s {
			if f.name == p {
				a = append(a, f.data)
				break
			}
		}
		for _, f := range s {
			if strings.HasPrefix(f.name, p) {
				a = append(a, f.data)
				break
			}
		}
	}
	return stages.Sha256(a...), nil
}

func (s stubContext) paths(paths []string) (string, error) {
	var a []string
	for _, p := range paths {
		for _, f := range s {
			if f.name == p {
				a = append(a, f.data)
				break
			}
		}
	}
	return stages.Sha256(a...), nil
}

// onlyStep maps a one-stage Dockerfile and returns its image and one step.
func onlyStep(t *testing.T, dockerfile string) (*Image, *Step) {
	t.Helper()
	images, err := Map([]byte(dockerfile), MapOptions{Image: "example-image"})
	require.NoError(t, err)
	require.Len(t, images, 1)
	require.Len(t, images[0].Steps, 1)
	return images[0], images[0].Steps[0]
}

// werf's from_test.go.
func TestGoldenFrom(t *testing.T) {
	tests := []struct{ name, ref, repoDigest, cacheVersion, want string }{
		{"FROM with empty options", "", "", "", "8a54a5b1f4e60cfae40553461549416865ff5ee3531444285ddadb4eb8cb939d"},
		{"FROM with BaseImageReference option only", "test-image-reference", "", "", "37478b120f37e3acfce89dc834fff808ed63e317e824316197bedbbbe513d0bf"},
		{"FROM with BaseImageRepoDigest option only", "", "test-image-repo-digest", "", "306fe2574cce78188720fc4341950df9f1fae8908854da6f7054f3c0c35aa132"},
		{"FROM with ImageCacheVersion option only", "", "", "image-cache-version", "9de9441477c5d35efbc350204fe9b71ad80116bd17c77972ac34232fb23e7c0b"},
		{"FROM with full options", "test-image-reference", "test-image-repo-digest", "image-cache-version", "05fc69b51fbf058a81c5822ba4c8d1aa952a75280a16654b03c02deb00a534bb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, fromDependencies(tt.ref, tt.repoDigest, tt.cacheVersion))
		})
	}

	// The "FROM dependency expansion" Describe: an import in FROM.
	images, err := Map([]byte("FROM ${SSR_IMAGE}\n"), MapOptions{Image: "app", ImportArgs: []string{"SSR_IMAGE"}})
	require.NoError(t, err)
	d1, ref, err := images[0].FromDigest(Inputs{DependencyArgs: map[string]string{"SSR_IMAGE": "registry.example.com/ssr:v1"}})
	require.NoError(t, err)
	assert.Equal(t, "registry.example.com/ssr:v1", ref)
	d2, _, err := images[0].FromDigest(Inputs{DependencyArgs: map[string]string{"SSR_IMAGE": "registry.example.com/ssr:v2"}})
	require.NoError(t, err)
	assert.NotEqual(t, d1, d2)
}

var (
	workerJava  = stubFile{"src/main/java/worker/Worker.java", "package worker;"}
	workerJava2 = stubFile{"src/main/java/worker/Worker.java", "package worker2;"}
	programCS   = stubFile{"src/Worker/Program.cs", "namespace Worker {}"}
	programCS2  = stubFile{"src/Worker/Program.cs", "namespace Worker2 {}"}
	pomXML      = stubFile{"pom.xml", `<?xml version="1.0" encoding="UTF-8"?>`}
	readme      = stubFile{"doc/README.md", "# README.md"}
	readme2     = stubFile{"doc/README.md", "# Documentation"}
)

// werf's cmd_test.go. Shell form gives one element, so the shell entries set
// PrependShell on the JSON form's command line, as werf's test does.
func TestGoldenCmd(t *testing.T) {
	tests := []struct {
		name    string
		prepend bool
		files   stubContext
		want    string
	}{
		{"CMD basic", false, stubContext{workerJava, programCS}, "6c176ed20cfc341dc35111c329a50d33a672556432524e30fe77c794fd19a41f"},
		{"CMD with shell", true, stubContext{workerJava, programCS}, "1ba4c1cdfa5bce43a107e540d20c7d2655fcaeeba20e6b1f4feac2284a06f27a"},
		{"CMD with changed context", true, stubContext{workerJava2, programCS2}, "1ba4c1cdfa5bce43a107e540d20c7d2655fcaeeba20e6b1f4feac2284a06f27a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, step := onlyStep(t, "FROM alpine\nCMD [\"/bin/bash\", \"-lec\", \"while true ; do date ; sleep 1 ; done\"]\n")
			step.cmd.(*instructions.CmdCommand).PrependShell = tt.prepend
			deps, err := img.StepDependencies(0, Inputs{checksum: tt.files})
			require.NoError(t, err)
			assert.Equal(t, tt.want, deps)
		})
	}
}

// werf's add_test.go.
func TestGoldenAdd(t *testing.T) {
	tests := []struct {
		name, instruction string
		files             stubContext
		want              string
	}{
		{"ADD basic", "ADD --chown=1000:1000 src /app", stubContext{workerJava, programCS}, "79d3642e997030deb225e0414f0c2d0e3c6681cc036899aaba62895f7e2ac4e3"},
		{"ADD with changed chown", "ADD --chown=1000:1001 src /app", stubContext{workerJava, programCS, pomXML}, "ccfda65ec4fa8667abe7a54b047a98158d122b39e224929dbb7c33ea466e7f5a"},
		{"ADD with changed chmod", "ADD --chown=1000:1001 --chmod=0777 src /app", stubContext{workerJava, programCS, pomXML}, "19e86e1145aecd554d7d492add3c6c6ed51b022279f059f6c8c54a4eac9d07f0"},
		{"ADD with changed sources paths", "ADD --chown=1000:1001 --chmod=0777 src pom.xml /app", stubContext{workerJava, programCS, pomXML}, "4d17db1e6926bbe9e4f7b70d18bb055b7735f6bfb6db35452524bde561e8b95f"},
		{"ADD with changed source files", "ADD --chown=1000:1001 --chmod=0777 src pom.xml /app", stubContext{workerJava2, programCS2, pomXML}, "372ed0cb6fff0a58e087fa8bf19e1f62a146d3983ca4510c496c452db8a7080e"},
		{"ADD with changed destination path", "ADD --chown=1000:1001 --chmod=0777 src pom.xml /app2", stubContext{workerJava2, programCS2, pomXML}, "825c66ecb926ed7897fc99f7686ed4fc2a7f8133d6a66860c8755772764d0293"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _ := onlyStep(t, "FROM alpine\n"+tt.instruction+"\n")
			deps, err := img.StepDependencies(0, Inputs{checksum: tt.files})
			require.NoError(t, err)
			assert.Equal(t, tt.want, deps)
		})
	}
}

// werf's copy_test.go. werf's test does not expand, so a COPY --from=base keeps
// "base" as its ExpandedFrom: here base is an image, which resolves the same.
func TestGoldenCopy(t *testing.T) {
	tests := []struct {
		name, instruction string
		files             stubContext
		want              string
	}{
		{"COPY basic", "COPY src/ doc/ /app", stubContext{workerJava, programCS, readme}, "b37df6b6878045c3bf0e9972e4618d6157dfa06bec990a83e0a1881ec12621b1"},
		{"COPY with changed context files", "COPY src/ doc/ /app", stubContext{workerJava, programCS, readme2}, "88158fb775544cccd8bd1a345a89bda08434620dda37efe3867df077007602e1"},
		{"COPY from stage", "COPY --from=base src/ doc/ /app", nil, "c65e7b2d1c3a7614106b6eb061a6bf4712cf833817ce4e3b79d8af8de22c2ba0"},
		// The same command as above: only werf's unused name map differs.
		{"COPY from changed stage", "COPY --from=base src/ doc/ /app", nil, "c65e7b2d1c3a7614106b6eb061a6bf4712cf833817ce4e3b79d8af8de22c2ba0"},
		{"COPY from same stage, with changed context", "COPY --from=base src/ doc/ /app", stubContext{workerJava, programCS, readme2}, "c65e7b2d1c3a7614106b6eb061a6bf4712cf833817ce4e3b79d8af8de22c2ba0"},
		{"COPY from same stage, with changed destination", "COPY --from=base src/ doc/ /app2", stubContext{workerJava, programCS, readme2}, "d1898898971186720898055e0682e356ff9e53178b6ac7c629f255113c6b17a0"},
		{"COPY from same stage, with changed owner and modes", "COPY --from=base --chown=1000:1000 --chmod=0777 src/ doc/ /app2", stubContext{workerJava, programCS, readme2}, "18a8898734bef3802598b82bff90e2fd8fe37e5b4806f269553e70f017374e35"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _ := onlyStep(t, "FROM alpine\n"+tt.instruction+"\n")
			deps, err := img.StepDependencies(0, Inputs{checksum: tt.files})
			require.NoError(t, err)
			assert.Equal(t, tt.want, deps)
		})
	}
}
