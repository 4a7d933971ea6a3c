package imagespec

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// prevDigest is a stand-in dockerfile stage digest: SHA3-224 of "prev".
const prevDigest = "e7c086752d31689d2728d5f5e5c5c05b1304ea205b92dad5e4bdfa29"

// werfStableSpec is imageSpec1 of werf's TestGetDependencies_StableHash.
func werfStableSpec() *config.ImageSpec {
	return &config.ImageSpec{
		Author:       "test-author",
		ClearHistory: true,
		Config: config.ImageSpecConfig{
			RemoveLabels:  []string{"label1", "label2"},
			RemoveVolumes: []string{"/data", "/cache"},
			RemoveEnv:     []string{"ENV_VAR"},
			Volumes:       []string{"/var/log", "/opt/app"},
			Labels:        map[string]string{"app": "test", "version": "1.0"},
			Env:           map[string]string{"ENV_VAR": "value", "DEBUG": "true"},
			Expose:        []string{"80", "443"},
			User:          "root",
			Cmd:           []string{"sh", "-c", "echo Hello"},
			Entrypoint:    []string{"/entrypoint.sh"},
			WorkingDir:    "/app",
			StopSignal:    "SIGTERM",
		},
	}
}

// The golden values were computed apart from this package, with Python's hashlib
// over werf's argument lists written out by hand: SHA-256 of the arguments joined
// with ":::", then SHA3-224 of [platform unless linux/amd64, "1.2", "imageSpec",
// dependencies, previous digest, ""].
func TestDigestGolden(t *testing.T) {
	tests := []struct {
		name         string
		spec         *config.ImageSpec
		deps         string
		amd64, arm64 string // digests
		amd64Content string // werf-stage-content-digest
		arm64Content string
	}{
		{
			name:         "werf's TestGetDependencies_StableHash spec",
			spec:         werfStableSpec(),
			deps:         "443c40354dcffb9c9ed107569441e2cdd78c8eb92569c0c6ac27b5160c542e57",
			amd64:        "6ea3f2446e0f9205251b0e6b79c4f9f27346e8f40c8a803256a3a03b",
			amd64Content: "6712193de46906b9dfe4dab31719f4bf60bc5d0a18fc6521fdd6fd49",
			arm64:        "ec973478d832fb795eeb47b006392962cb9af6ee866c53ee64c86d9e",
			arm64Content: "4066268492fd7531dea1bfde1005434ec10000c0e4ddf3a810dc9529",
		},
		{
			name:         "empty spec (build.imageSpec: {} on a final image)",
			spec:         &config.ImageSpec{},
			deps:         "deb4d8a5b41e9441aba6a2c5643d483eb214b99710100624c17465445ce32516",
			amd64:        "d9351ab56726f084ee2be9b48fc368da169a6c5474c39bf561c7b88c",
			amd64Content: "024f7a09cf1b600053012de3848e09a98cb92c742ce8903e730a24da",
			arm64:        "b01efd1d9cd646be5fa5a07a6be8b19df6eed4bf3023869fb22fff07",
			arm64Content: "03594621ab74bf3d62b571b28183c6974294f19638bddb1d5529769d",
		},
		{
			name: "healthcheck",
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{
				Test: []string{"CMD-SHELL", "curl -f http://localhost/"}, Interval: 30, Timeout: 5, Retries: 3,
			}}},
			deps:         "45378d74f06e5e6f8caf8a9d1b9d668b855d0d8d64cc05243df0280fb85e706a",
			amd64:        "959116d99e2b63922759d04d45e1fd758310b01f2ea7725a2b52596e",
			amd64Content: "354f8c214522635eae49221a6e4128b05850bd8506eab55bde168339",
			arm64:        "679e09eaf300c0f36d69266df6d8cd29d18694d71994fb6ef9ca655b",
			arm64Content: "83f3b9b9e2c6b72b166eff1e0263385aa30101b656ad4b0cd4abe031",
		},
		{
			name: "clear flags, templated labels, no clearWerfLabels",
			spec: &config.ImageSpec{Author: "me", Config: config.ImageSpecConfig{
				Entrypoint:              []string{"/bin/sh", "-c"},
				Labels:                  map[string]string{"%project%-x": "%image%"},
				User:                    "app",
				RemoveLabels:            []string{"/.*/"},
				RemoveVolumes:           []string{"/old"},
				RemoveEnv:               []string{"PATH"},
				KeepEssentialWerfLabels: true,
				ClearWerfLabels:         true, // werf ignores it, the digest too
				ClearCmd:                true,
				ClearEntrypoint:         true,
				ClearUser:               true,
				ClearWorkingDir:         true,
			}},
			deps:         "348bfe565753d960f02dcd0e1c835ce963ef53c2550ee9cba75d698f3c5bd923",
			amd64:        "8f916ddda22bbed9a0aaab44de6ffbc3fda5b3a6b213c6150e9b99da",
			amd64Content: "2c62e69285c5106c77dd75747d4f1beb98c21ddc9ffb3d726035e003",
			arm64:        "6c0200506f9f5e9328ec6080b6fa4d2edafd49d42d0bfd6c8ee5fd63",
			arm64Content: "630acabef68b296aebe71ce96c5e9475be6c549bce75a3477c9a6c0d",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.deps, Dependencies(tt.spec))
			for _, p := range []struct{ platform, digest, content string }{
				{"linux/amd64", tt.amd64, tt.amd64Content},
				{"", tt.amd64, tt.amd64Content}, // no platform hashes as linux/amd64
				{"linux/arm64", tt.arm64, tt.arm64Content},
			} {
				got, err := Digest(p.platform, prevDigest, tt.spec)
				require.NoError(t, err)
				assert.Equal(t, p.digest, got, p.platform)
				assert.Equal(t, p.content, ContentDigest(p.platform, got), p.platform)
			}
		})
	}
}

// werf's TestGetDependencies_StableHash: the order of lists and maps does not
// matter.
func TestDependenciesStableHash(t *testing.T) {
	reordered := werfStableSpec()
	c := &reordered.Config
	c.RemoveLabels = []string{"label2", "label1"}
	c.RemoveVolumes = []string{"/cache", "/data"}
	c.Volumes = []string{"/opt/app", "/var/log"}
	c.Labels = map[string]string{"version": "1.0", "app": "test"}
	c.Env = map[string]string{"DEBUG": "true", "ENV_VAR": "value"}
	c.Expose = []string{"443", "80"}
	assert.Equal(t, Dependencies(werfStableSpec()), Dependencies(reordered))
}

// Every key of the spec changes the digest, except clearWerfLabels; order inside
// cmd and entrypoint matters, nil and empty lists do not.
func TestDependenciesSensitivity(t *testing.T) {
	base := Dependencies(&config.ImageSpec{})
	changes := map[string]func(*config.ImageSpec){
		"author":                  func(s *config.ImageSpec) { s.Author = "a" },
		"clearHistory":            func(s *config.ImageSpec) { s.ClearHistory = true },
		"cmd":                     func(s *config.ImageSpec) { s.Config.Cmd = []string{"a"} },
		"entrypoint":              func(s *config.ImageSpec) { s.Config.Entrypoint = []string{"a"} },
		"env":                     func(s *config.ImageSpec) { s.Config.Env = map[string]string{"A": ""} },
		"expose":                  func(s *config.ImageSpec) { s.Config.Expose = []string{"80"} },
		"healthcheck":             func(s *config.ImageSpec) { s.Config.Healthcheck = &config.Healthcheck{} },
		"labels":                  func(s *config.ImageSpec) { s.Config.Labels = map[string]string{"a": ""} },
		"stopSignal":              func(s *config.ImageSpec) { s.Config.StopSignal = "SIGINT" },
		"user":                    func(s *config.ImageSpec) { s.Config.User = "a" },
		"volumes":                 func(s *config.ImageSpec) { s.Config.Volumes = []string{"/a"} },
		"workingDir":              func(s *config.ImageSpec) { s.Config.WorkingDir = "/a" },
		"removeLabels":            func(s *config.ImageSpec) { s.Config.RemoveLabels = []string{"a"} },
		"removeVolumes":           func(s *config.ImageSpec) { s.Config.RemoveVolumes = []string{"a"} },
		"removeEnv":               func(s *config.ImageSpec) { s.Config.RemoveEnv = []string{"a"} },
		"keepEssentialWerfLabels": func(s *config.ImageSpec) { s.Config.KeepEssentialWerfLabels = true },
		"clearCmd":                func(s *config.ImageSpec) { s.Config.ClearCmd = true },
		"clearEntrypoint":         func(s *config.ImageSpec) { s.Config.ClearEntrypoint = true },
		"clearUser":               func(s *config.ImageSpec) { s.Config.ClearUser = true },
		"clearWorkingDir":         func(s *config.ImageSpec) { s.Config.ClearWorkingDir = true },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			s := &config.ImageSpec{}
			change(s)
			assert.NotEqual(t, base, Dependencies(s))
		})
	}
	t.Run("clearWerfLabels", func(t *testing.T) {
		assert.Equal(t, base, Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{ClearWerfLabels: true}}))
	})
	t.Run("empty lists", func(t *testing.T) {
		assert.Equal(t, base, Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{}, Expose: []string{}, Env: map[string]string{}}}))
	})
	t.Run("cmd order", func(t *testing.T) {
		a := Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{"a", "b"}}})
		b := Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{"b", "a"}}})
		assert.NotEqual(t, a, b)
	})
	t.Run("cmd words joined with spaces", func(t *testing.T) {
		a := Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{"a b"}}})
		b := Dependencies(&config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{"a", "b"}}})
		assert.Equal(t, a, b, "werf joins cmd with spaces before hashing")
	})
}

// werfHealthConfig has the shape of werf's config.healthConfig: the digest hashes
// fmt.Sprint of a pointer to it.
type werfHealthConfig struct {
	Test        []string
	Interval    int
	Timeout     int
	StartPeriod int
	Retries     int
}

func TestHealthcheckStringIsFmtSprint(t *testing.T) {
	tests := []*config.Healthcheck{
		nil,
		{},
		{Test: []string{"CMD", "true"}, Interval: 1, Timeout: 2, StartPeriod: 3, Retries: 4},
		{Test: []string{"CMD-SHELL", "curl -f http://x/ || exit 1"}, Interval: -1},
		{Test: []string{}},
	}
	for _, h := range tests {
		want := fmt.Sprint((*werfHealthConfig)(nil))
		if h != nil {
			want = fmt.Sprint(&werfHealthConfig{h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries})
		}
		assert.Equal(t, want, healthcheckString(h))
	}
	assert.Equal(t, "&{[CMD true] 1 2 3 4}", healthcheckString(tests[2]))
	assert.Equal(t, "<nil>", healthcheckString(nil))
}

func TestDigestErrors(t *testing.T) {
	tests := []struct {
		name string
		prev string
		spec *config.ImageSpec
		err  string
	}{
		{name: "no spec", prev: prevDigest, err: "no imageSpec"},
		{name: "empty previous digest", spec: &config.ImageSpec{}, err: `previous stage digest "" is not 56 lower-case hex characters`},
		{name: "stage ID, not digest", prev: prevDigest + "-1700000000000", spec: &config.ImageSpec{}, err: "is not 56"},
		{name: "upper case", prev: "E7C086752D31689D2728D5F5E5C5C05B1304EA205B92DAD5E4BDFA29", spec: &config.ImageSpec{}, err: "is not 56"},
		{name: "not hex", prev: "z7c086752d31689d2728d5f5e5c5c05b1304ea205b92dad5e4bdfa29", spec: &config.ImageSpec{}, err: "is not 56"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Digest("linux/amd64", tt.prev, tt.spec)
			assert.ErrorContains(t, err, tt.err)
		})
	}
}
