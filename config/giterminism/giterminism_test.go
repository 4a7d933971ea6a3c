package giterminism_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config/giterminism"
)

func TestParse(t *testing.T) {
	c, err := giterminism.Parse("werf-giterminism.yaml", []byte(`
giterminismConfigVersion: 1
unknownTopLevel: accepted as werf accepts it
config:
  allowUncommitted: true
  goTemplateRendering:
    allowEnvVariables: [CI_COMMIT_SHA, /CI_.*/]
  dockerfile:
    allowContextAddFiles: [secrets/*]
  secrets:
    allowEnvVariables: [TOKEN]
    allowValueIds: [inline]
`))
	require.NoError(t, err)
	assert.True(t, c.Config.AllowUncommitted)
	assert.True(t, c.Config.GoTemplateRendering.AllowEnvVariables.Match("CI_JOB_ID"))
	assert.False(t, c.Config.GoTemplateRendering.AllowEnvVariables.Match("HOME"))
	assert.True(t, c.Config.Dockerfile.AllowContextAddFiles.Match("secrets/a/b.txt"))
	assert.Equal(t, []string{"TOKEN"}, c.Config.Secrets.AllowEnvVariables)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"missing version", "config: {}", "werf-giterminism.yaml: giterminismConfigVersion is required"},
		{"wrong version", "giterminismConfigVersion: 2", "giterminismConfigVersion must be 1, got 2"},
		{"string version", `giterminismConfigVersion: "1"`, ""},
		{"wrong type", "giterminismConfigVersion: 1\nconfig: {allowUncommitted: [a]}", "werf-giterminism.yaml: error unmarshaling JSON"},
		{"bad glob", "giterminismConfigVersion: 1\nconfig: {dockerfile: {allowContextAddFiles: ['a/[']}}", `config.dockerfile.allowContextAddFiles: invalid glob "a/["`},
		{"bad regexp", "giterminismConfigVersion: 1\nconfig: {goTemplateRendering: {allowEnvVariables: ['/(/']}}", "invalid regular expression /(/"},
		{"not yaml", "giterminismConfigVersion: [", "werf-giterminism.yaml: error converting YAML to JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := giterminism.Parse("werf-giterminism.yaml", []byte(tt.in))
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

func TestGlobsMatch(t *testing.T) {
	tests := []struct {
		globs giterminism.Globs
		path  string
		want  bool
	}{
		{giterminism.Globs{"a.txt"}, "a.txt", true},
		{giterminism.Globs{"a.txt"}, "b.txt", false},
		{giterminism.Globs{"dir"}, "dir/sub/file", true},
		{giterminism.Globs{"dir/*"}, "dir/sub/file", true},
		{giterminism.Globs{"dir/**"}, "dir/x", true},
		{giterminism.Globs{"dir/*.txt"}, "dir/a.txt", true},
		{giterminism.Globs{"dir/*.txt"}, "dir/sub/a.txt", false},
		{giterminism.Globs{"**/*.tmpl"}, ".werf/a/b.tmpl", true},
		{giterminism.Globs{"*"}, "anything/at/all", true},
		{giterminism.Globs{"."}, "x", true},
		{giterminism.Globs{"./conf/{a,b}.yaml"}, "conf/b.yaml", true},
		{giterminism.Globs{"conf/?.yaml"}, "conf/ab.yaml", false},
		{giterminism.Globs{}, "x", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.globs.Match(tt.path), "%v %s", tt.globs, tt.path)
	}
}

func TestNamesMatch(t *testing.T) {
	names := giterminism.Names{"HOME", "/CI_.*/", "/A|B/"}
	assert.True(t, names.Match("HOME"))
	assert.False(t, names.Match("HOMEX"))
	assert.True(t, names.Match("CI_X"))
	assert.False(t, names.Match("XCI_X"), "regexps are anchored")
	assert.True(t, names.Match("B"))
	assert.False(t, names.Match("AB"), "alternation is anchored as a whole")
}

// Cases observed with werf v2.77.1's own binary (werf config list over a mount
// fromPath and config.stapel.mount.allowFromPaths).
func TestGlobsMatchHostPath(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"/var/cache/apt", "/var/cache/apt", true},
		{"/var/cache/apt", "/var/cache/apt/", true},
		{"/var/cache/apt", "/var/cache/apt/archives", false},
		{"/var/cache/apt/**", "/var/cache/apt/archives", true},
		{"/var/cache/apt/*", "/var/cache/apt/archives/x", false},
		{"/var/cache/*", "/var/cache/apt", true},
		{"/**", "/var/cache/apt", true},
		{"var/cache/apt", "/var/cache/apt", false},
		{"~/.cache/go", "~/.cache/go/x", true},
		{"~/.cache/go", "~/.cache", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, giterminism.Globs{tt.pattern}.MatchHostPath(tt.path), "%s allows %s", tt.pattern, tt.path)
	}
}
