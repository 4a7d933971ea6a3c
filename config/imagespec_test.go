package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// werf's TestMergeImageSpec (pkg/config/image_spec_test.go), through werf.yaml:
// build.imageSpec sets the author, adds clearHistory and keepEssentialWerfLabels,
// overrides labels and adds removeLabels after the image's own; the image keeps
// everything else, and its clearWerfLabels (werf does not merge the global one).
func TestLoadImageSpecMerge(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": `configVersion: 1
project: demo
build:
  imageSpec:
    author: meta_author
    clearHistory: true
    config:
      keepEssentialWerfLabels: true
      removeLabels: [label1, label2]
      labels: {key1: value1}
---
image: app
dockerfile: Dockerfile
imageSpec:
  author: image_author
  clearHistory: false
  config:
    keepEssentialWerfLabels: false
    clearWerfLabels: true
    removeLabels: [label3]
    removeVolumes: [volume1]
    removeEnv: [ENV1]
    clearCmd: true
    clearEntrypoint: true
    clearUser: true
    clearWorkingDir: true
    volumes: [volume_old]
    labels: {key2: value2}
    env: {ENV_OLD: VALUE_OLD}
    user: image_user
    cmd: [cmd2]
    entrypoint: [entry2]
    workingDir: /image_workdir
    stopSignal: SIGTERM
    expose: ["9090"]
`}, config.Options{})
	require.NoError(t, err)
	assert.Equal(t, &config.ImageSpec{
		Author:       "meta_author",
		ClearHistory: true,
		Config: config.ImageSpecConfig{
			KeepEssentialWerfLabels: true,
			ClearWerfLabels:         true,
			RemoveLabels:            []string{"label3", "label1", "label2"},
			RemoveVolumes:           []string{"volume1"},
			RemoveEnv:               []string{"ENV1"},
			ClearCmd:                true,
			ClearEntrypoint:         true,
			ClearUser:               true,
			ClearWorkingDir:         true,
			Volumes:                 []string{"volume_old"},
			Labels:                  map[string]string{"key1": "value1", "key2": "value2"},
			Env:                     map[string]string{"ENV_OLD": "VALUE_OLD"},
			User:                    "image_user",
			Cmd:                     []string{"cmd2"},
			Entrypoint:              []string{"entry2"},
			WorkingDir:              "/image_workdir",
			StopSignal:              "SIGTERM",
			Expose:                  []string{"9090"},
		},
	}, cfg.Image("app").ImageSpec)
}

// Which images have an imageSpec (and so, in werf, an imageSpec stage).
func TestLoadImageSpecWhichImages(t *testing.T) {
	const global = "configVersion: 1\nproject: demo\nbuild:\n  imageSpec:\n    config:\n      clearWerfLabels: true\n      labels: {team: a}\n      removeLabels: [x, x]\n---\n"
	tests := []struct {
		name   string
		config string
		want   *config.ImageSpec
	}{
		{
			name:   "final image without its own gets the global one",
			config: global + "image: app\ndockerfile: Dockerfile\n",
			want:   &config.ImageSpec{Config: config.ImageSpecConfig{Labels: map[string]string{"team": "a"}, RemoveLabels: []string{"x"}}},
		},
		{
			name:   "non-final image keeps only its own",
			config: global + "image: app\ndockerfile: Dockerfile\nfinal: false\nimageSpec: {config: {user: app}}\n",
			want:   &config.ImageSpec{Config: config.ImageSpecConfig{User: "app"}},
		},
		{
			name:   "non-final image without its own has none",
			config: global + "image: app\ndockerfile: Dockerfile\nfinal: false\n",
		},
		{
			name:   "own removeLabels keep their duplicates, the global ones are added once",
			config: global + "image: app\ndockerfile: Dockerfile\nimageSpec: {config: {removeLabels: [y, y, x]}}\n",
			want:   &config.ImageSpec{Config: config.ImageSpecConfig{Labels: map[string]string{"team": "a"}, RemoveLabels: []string{"y", "y", "x"}}},
		},
		{
			name:   "null imageSpec is none",
			config: meta + "image: app\ndockerfile: Dockerfile\nimageSpec: ~\n",
		},
		{
			name:   "empty imageSpec is one",
			config: meta + "image: app\ndockerfile: Dockerfile\nimageSpec: {}\n",
			want:   &config.ImageSpec{},
		},
		{
			name:   "empty global imageSpec gives every final image one",
			config: "configVersion: 1\nproject: demo\nbuild:\n  imageSpec: {}\n---\nimage: app\ndockerfile: Dockerfile\n",
			want:   &config.ImageSpec{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, map[string]string{"werf.yaml": tt.config}, config.Options{})
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Image("app").ImageSpec)
		})
	}
}

// Values read as werf's yaml.v2 reads them.
func TestLoadImageSpecValues(t *testing.T) {
	tests := []struct {
		name string
		spec string // imageSpec.config
		want config.ImageSpecConfig
	}{
		{
			name: "an empty list is set, unlike an absent one",
			spec: "{expose: [], cmd: [], entrypoint: []}",
			want: config.ImageSpecConfig{Expose: []string{}, Cmd: []string{}, Entrypoint: []string{}},
		},
		{
			name: "null env values and list items are empty strings",
			spec: "{env: {A: ~, B: null, C: }, cmd: [sh, ~]}",
			want: config.ImageSpecConfig{Env: map[string]string{"A": "", "B": "", "C": ""}, Cmd: []string{"sh", ""}},
		},
		{
			name: "scalars are their text",
			spec: "{env: {A: yes, B: 1.10}, labels: {v: 010}}",
			want: config.ImageSpecConfig{Env: map[string]string{"A": "yes", "B": "1.10"}, Labels: map[string]string{"v": "010"}},
		},
		{
			name: "healthcheck integers in YAML 1.1 forms, floats truncated",
			spec: "{healthcheck: {test: [CMD, true], interval: 0x1e, timeout: 1_0, startperiod: 2.9, retries: 010}}",
			want: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{Test: []string{"CMD", "true"}, Interval: 30, Timeout: 10, StartPeriod: 2, Retries: 8}},
		},
		{
			name: "empty healthcheck is set",
			spec: "{healthcheck: {}}",
			want: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, map[string]string{"werf.yaml": meta + "image: app\ndockerfile: Dockerfile\nimageSpec:\n  config: " + tt.spec + "\n"}, config.Options{})
			require.NoError(t, err)
			assert.Equal(t, &config.ImageSpec{Config: tt.want}, cfg.Image("app").ImageSpec)
		})
	}
}

// One message naming the file, the line, the image and the key.
func TestLoadImageSpecErrors(t *testing.T) {
	const img = "image: app\ndockerfile: Dockerfile\nimageSpec:\n  config:\n"
	tests := []struct {
		name   string
		config string
		err    string
	}{
		{
			name:   "removeLabels regex that does not compile",
			config: meta + img + "    removeLabels: [ok, \"/(unclosed/\"]\n",
			err:    "werf.yaml:8 (document 2): image \"app\": imageSpec.config.removeLabels[1]: invalid regular expression \"/(unclosed/\": error parsing regexp: missing closing ): `^(unclosed$`\n  8 |     removeLabels: [ok, \"/(unclosed/\"]",
		},
		{
			name:   "removeLabels regex in a block list",
			config: meta + img + "    removeLabels:\n    - ok\n    - /a**/\n",
			err:    "werf.yaml:10 (document 2): image \"app\": imageSpec.config.removeLabels[1]: invalid regular expression \"/a**/\": error parsing regexp: invalid nested repetition operator: `**`\n  10 |     - /a**/",
		},
		{
			name:   "removeLabels entry that is a lone slash",
			config: meta + img + "    removeLabels: [/]\n",
			err:    "werf.yaml:8 (document 2): image \"app\": imageSpec.config.removeLabels[0]: \"/\" is neither a name nor a /regex/",
		},
		{
			name:   "global removeLabels regex",
			config: "configVersion: 1\nproject: demo\nbuild:\n  imageSpec:\n    config:\n      removeLabels: [\"/[/\"]\n",
			err:    "werf.yaml:6 (document 1): build.imageSpec.config.removeLabels[0]: invalid regular expression \"/[/\": error parsing regexp: missing closing ]: `[$`",
		},
		{
			name:   "removeEnv regex",
			config: meta + img + "    removeEnv: [\"/a{2,1}/\"]\n",
			err:    "werf.yaml:8 (document 2): image \"app\": imageSpec.config.removeEnv[0]: invalid regular expression \"/a{2,1}/\": error parsing regexp: invalid repeat count: `{2,1}`",
		},
		{
			name:   "negative interval",
			config: meta + img + "    healthcheck: {test: [CMD, true], interval: -30}\n",
			err:    "werf.yaml:8 (document 2): image \"app\": imageSpec.config.healthcheck.interval: must not be negative, got -30\n  8 |     healthcheck: {test: [CMD, true], interval: -30}",
		},
		{
			name:   "negative timeout",
			config: meta + img + "    healthcheck:\n      timeout: -1\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck.timeout: must not be negative, got -1",
		},
		{
			name:   "negative startperiod, truncated from a float",
			config: meta + img + "    healthcheck:\n      startperiod: -1.5\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck.startperiod: must not be negative, got -1",
		},
		{
			name:   "negative retries",
			config: meta + img + "    healthcheck:\n      retries: -3\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck.retries: must not be negative, got -3",
		},
		{
			name:   "interval too long for a duration",
			config: meta + img + "    healthcheck:\n      interval: 9223372036854775807\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck.interval: 9223372036854775807 seconds is longer than a duration can be",
		},
		{
			name:   "healthcheck key in camel case",
			config: meta + img + "    healthcheck:\n      startPeriod: 5\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck: unknown key \"startPeriod\"; did you mean \"startperiod\"?",
		},
		{
			name:   "healthcheck duration as a string",
			config: meta + img + "    healthcheck:\n      interval: 30s\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.healthcheck.interval: expected an integer, got \"30s\"",
		},
		{
			name:   "label value with a lone percent",
			config: meta + img + "    labels:\n      discount: 100%\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.labels.discount: \"100%\" is not a valid label template",
		},
		{
			name:   "label key with an unknown function",
			config: meta + img + "    labels:\n      \"%tag%\": x\n",
			err:    "werf.yaml:9 (document 2): image \"app\": imageSpec.config.labels.%tag%: \"%tag%\" is not a valid label template",
		},
		{
			name:   "global label",
			config: "configVersion: 1\nproject: demo\nbuild:\n  imageSpec:\n    config:\n      labels: {a: \"%project\"}\n",
			err:    "werf.yaml:6 (document 1): build.imageSpec.config.labels.a: \"%project\" is not a valid label template",
		},
		{
			name:   "global key only an image may set",
			config: "configVersion: 1\nproject: demo\nbuild:\n  imageSpec:\n    config:\n      user: app\n",
			err:    "werf.yaml:6 (document 1): build.imageSpec.config: unknown key \"user\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, map[string]string{"werf.yaml": tt.config}, config.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestRemovePattern(t *testing.T) {
	tests := []struct {
		entry   string
		regex   string // "" for an exact name
		matches []string
		misses  []string
		err     string
	}{
		{entry: "name"},
		{entry: ""},
		{entry: "/", err: `"/" is neither a name nor a /regex/`},
		{entry: "//", regex: "^$", matches: []string{""}, misses: []string{"a"}},
		{entry: "/test[0-9]+/", regex: "^test[0-9]+$", matches: []string{"test123"}, misses: []string{"test-label", "xtest1"}},
		{entry: "/^REMOVE_ME_.*/", regex: "^^REMOVE_ME_.*$", matches: []string{"REMOVE_ME_THIS"}, misses: []string{"GOPATH"}},
		// werf wraps as written: the alternation binds looser than ^ and $.
		{entry: "/a|b/", regex: "^a|b$", matches: []string{"a", "ax", "xb"}, misses: []string{"xa"}},
		{entry: "/(/", err: "invalid regular expression"},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			re, err := config.RemovePattern(tt.entry)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			if tt.regex == "" {
				assert.Nil(t, re)
				return
			}
			require.NotNil(t, re)
			assert.Equal(t, tt.regex, re.String())
			for _, m := range tt.matches {
				assert.True(t, re.MatchString(m), m)
			}
			for _, m := range tt.misses {
				assert.False(t, re.MatchString(m), m)
			}
		})
	}
}

func TestExpandLabelTemplate(t *testing.T) {
	tests := []struct {
		text, project, image string
		want                 string
		err                  string
	}{
		// werf's TestModifyLabels.
		{text: "project-%project%-id", project: "TEST-PROJECT", image: "TEST-IMAGE", want: "project-TEST-PROJECT-id"},
		{text: "image-%image%-name", project: "TEST-PROJECT", image: "TEST-IMAGE", want: "image-TEST-IMAGE-name"},
		{text: "plain", want: "plain"},
		{text: "%.Project%/%.Image%", project: "p", image: "i", want: "p/i"},
		{text: "%image%", image: "", want: ""},
		// html/template escapes an action's output; the literal text stays as written.
		{text: "<b>%image%</b> & co", image: "a&b", want: "<b>a&amp;b</b> & co"},
		// Every label goes through html/template, variables or not: a "<" that opens
		// no tag becomes &lt; and HTML comments vanish, in werf too.
		{text: "a < b", want: "a &lt; b"},
		{text: "x<!-- note -->y", want: "xy"},
		{text: `<script>%image%</script>`, image: "i", want: `<script>"i"</script>`},
		{text: "100%", err: "unclosed action"},
		{text: `100%"%"%`, want: "100%"},
		{text: "%tag%", err: `function "tag" not defined`},
		{text: `<a href="x`, err: "ends in a non-text context"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := config.ExpandLabelTemplate(tt.text, tt.project, tt.image)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
