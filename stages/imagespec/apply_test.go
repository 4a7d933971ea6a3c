package imagespec

import (
	"maps"
	"slices"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// werf's TestEnvExpander (pkg/build/stage/image_spec_test.go). werf compares
// most of these without order, its env being in map order.
func TestApplyEnvWerfCases(t *testing.T) {
	tests := []struct {
		name   string
		prev   []string
		remove []string
		add    map[string]string
		want   []string
	}{
		{
			name: "basic expand",
			prev: []string{"PATH=/usr/bin"},
			add:  map[string]string{"PATH": "${PATH}:/add/path"},
			want: []string{"PATH=/usr/bin:/add/path"},
		},
		{
			name: "multiple expand",
			prev: []string{"PATH=/usr/bin", "TEST=test"},
			add:  map[string]string{"PATH": "${PATH}:/some/path", "GOPATH": "/bin/go", "GOROOT": "/usr/local/go"},
			want: []string{"PATH=/usr/bin:/some/path", "GOROOT=/usr/local/go", "GOPATH=/bin/go", "TEST=test"},
		},
		{
			name: "multiple expand with circular dependency",
			prev: []string{"PATH=/usr/bin", "TEST=test"},
			add:  map[string]string{"PATH": "${PATH}:${GOROOT}/bin:${GOPATH}/bin", "GOROOT": "${GOPATH}/usr/local/go", "GOPATH": "${GOROOT}/go"},
			want: []string{"PATH=/usr/bin:/bin:/bin", "GOROOT=/usr/local/go", "GOPATH=/go", "TEST=test"},
		},
		{
			name:   "remove env",
			prev:   []string{"GOROOT=/usr/local/go", "GOPATH=/go", "REMOVE_ME_THIS=1", "REMOVE_ME_THAT=2"},
			remove: []string{"GOROOT", "/^REMOVE_ME_.*/"},
			want:   []string{"GOPATH=/go"},
		},
		{
			name:   "remove all envs expand existed and add some new",
			prev:   []string{"GOROOT=/usr/local/go", "GOPATH=/go", "REMOVE_ME_THIS=1", "REMOVE_ME_THAT=2", "PATH=/usr/bin"},
			remove: []string{"/.*/"},
			add:    map[string]string{"PATH": "${PATH}:/some/path", "GOPATH": "/bin/go", "GOROOT": "/usr/local/go"},
			want:   []string{"PATH=/usr/bin:/some/path", "GOROOT=/usr/local/go", "GOPATH=/bin/go"},
		},
		{
			name: "remove all",
			prev: []string{
				"LANG=C.UTF-8",
				"LC_ALL=C.UTF-8",
				"WERF_COMMIT_HASH=1ee88b265286348b1e501fb6b631d8c3d5a1816e",
				"WERF_COMMIT_TIME_HUMAN=2025-04-02 15:15:45 +0100 +0100",
				"WERF_COMMIT_TIME_UNIX=1743603345",
				"COLUMNS=243",
			},
			remove: []string{"/.*/"},
			add:    map[string]string{},
			want:   []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := slices.Clone(tt.prev)
			got, err := applyEnv(tt.prev, tt.remove, tt.add)
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, got)
			assert.Equal(t, prev, tt.prev, "the previous env is not changed")
		})
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name   string
		prev   []string
		remove []string
		add    map[string]string
		want   []string // in order
		err    string
	}{
		{
			name: "kept names keep their place, new ones follow sorted",
			prev: []string{"B=1", "A=2", "C=3"},
			add:  map[string]string{"Z": "z", "A": "new", "M": "m"},
			want: []string{"B=1", "A=new", "C=3", "M=m", "Z=z"},
		},
		{
			name: "werf's commit variables always go",
			prev: []string{"WERF_COMMIT_HASH=abc", "WERF_COMMIT_TIME_HUMAN=x", "WERF_COMMIT_TIME_UNIX=1", "KEEP=1"},
			want: []string{"KEEP=1"},
		},
		{
			name: "werf's build SSH socket goes, another one stays",
			prev: []string{"SSH_AUTH_SOCK=/.werf/tmp/ssh-auth-sock"},
			want: []string{},
		},
		{
			name: "a user's SSH socket stays",
			prev: []string{"SSH_AUTH_SOCK=/run/agent.sock"},
			want: []string{"SSH_AUTH_SOCK=/run/agent.sock"},
		},
		{
			name: "entries without = are dropped, repeated names keep the last value in the first place",
			prev: []string{"A=1", "BARE", "B=2", "A=3", "=empty-name"},
			want: []string{"A=3", "B=2", "=empty-name"},
		},
		{
			name:   "expansion sees the env before removals",
			prev:   []string{"HOME=/root"},
			remove: []string{"HOME"},
			add:    map[string]string{"CACHE": "$HOME/.cache"},
			want:   []string{"CACHE=/root/.cache"},
		},
		{
			name: "expansion does not see other added values",
			prev: []string{},
			add:  map[string]string{"A": "a", "B": "${A}b"},
			want: []string{"A=a", "B=b"},
		},
		{
			name: "Dockerfile word rules: quotes go, escapes and defaults work",
			prev: []string{"X=1"},
			add:  map[string]string{"Q": `"a b" \$X ${Y:-dflt} ${X:+set}`},
			want: []string{"X=1", "Q=a b $X dflt set"},
		},
		{
			name: "an expansion error is an error",
			add:  map[string]string{"A": "${MISSING:?is required}"},
			err:  "A: expanding \"${MISSING:?is required}\"",
		},
		{
			name:   "a removeEnv regex that does not compile",
			remove: []string{"/(/"},
			err:    "invalid regular expression",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyEnv(tt.prev, tt.remove, tt.add)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// BuildKit's lexer panics on some words; Apply must return, not crash.
func TestApplyEnvNoPanic(t *testing.T) {
	for _, word := range []string{"${A#}", "${A%}", "${A/}", "${", "$", "\\", "${A:-${B:-${C"} {
		assert.NotPanics(t, func() {
			_, _ = applyEnv([]string{"A=abc"}, nil, map[string]string{"X": word})
		}, word)
	}
}

// werf's TestModifyLabels: its stub service labels are {"stub": "true"}.
func TestApplyLabelsWerfCases(t *testing.T) {
	tests := []struct {
		name         string
		labels       map[string]string
		addLabels    map[string]string
		removeLabels []string
		want         map[string]string
	}{
		{
			name:         "remove exact match",
			labels:       map[string]string{"test-label": "bar", "werf": "should-stay"},
			removeLabels: []string{"test-label"},
			want:         map[string]string{"werf": "should-stay", "stub": "true"},
		},
		{
			name:         "remove by regex",
			labels:       map[string]string{"test-label": "bar", "test123": "should-remove"},
			removeLabels: []string{"/test[0-9]+/"},
			want:         map[string]string{"test-label": "bar", "stub": "true"},
		},
		{
			name:      "add new labels",
			labels:    map[string]string{"test-label": "bar"},
			addLabels: map[string]string{"new": "value", "other": "123"},
			want:      map[string]string{"test-label": "bar", "new": "value", "other": "123", "stub": "true"},
		},
		{
			name:         "remove and add combined",
			labels:       map[string]string{"test-label": "bar", "remove": "this", "keep": "me"},
			removeLabels: []string{"remove"},
			addLabels:    map[string]string{"new": "added", "project-%project%-id": "image-%image%-name"},
			want: map[string]string{
				"test-label": "bar", "keep": "me", "new": "added",
				"project-TEST-PROJECT-id": "image-TEST-IMAGE-name", "stub": "true",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.labels)
			c := &config.ImageSpecConfig{Labels: tt.addLabels, RemoveLabels: tt.removeLabels}
			got, err := applyLabels(tt.labels, map[string]string{"stub": "true"}, c, "TEST-PROJECT", "TEST-IMAGE", nil)
			require.NoError(t, err)
			assert.Equal(t, before, tt.labels, "the previous labels are not changed")
			assert.Equal(t, tt.want, got)
		})
	}
}

// werf's TestModifyVolumes.
func TestApplyVolumesWerfCases(t *testing.T) {
	vols := func(names ...string) map[string]struct{} {
		m := map[string]struct{}{}
		for _, n := range names {
			m[n] = struct{}{}
		}
		return m
	}
	tests := []struct {
		name    string
		initial map[string]struct{}
		remove  []string
		add     []string
		want    map[string]struct{}
	}{
		{name: "add new volumes", initial: vols("/data", "/cache"), add: []string{"/logs", "/tmp"}, want: vols("/data", "/cache", "/logs", "/tmp")},
		{name: "remove existing volumes", initial: vols("/data", "/cache", "/logs"), remove: []string{"/cache", "/logs"}, want: vols("/data")},
		{name: "remove and add volumes", initial: vols("/old"), remove: []string{"/old"}, add: []string{"/new"}, want: vols("/new")},
		{name: "add volumes to empty map", add: []string{"/mnt", "/backup"}, want: vols("/mnt", "/backup")},
		{name: "remove volumes from empty map", remove: []string{"/mnt"}, want: vols()},
		{name: "removing non-existent volumes", initial: vols("/data"), remove: []string{"/cache"}, want: vols("/data")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.initial)
			got := applyVolumes(tt.initial, tt.remove, tt.add)
			assert.Equal(t, before, tt.initial, "the previous volumes are not changed")
			assert.Equal(t, tt.want, got)
		})
	}
}

// prevConfig is a previous stage's config with something in every field the
// spec touches.
func prevConfig() *v1.ConfigFile {
	return &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Variant:      "v9",
		Author:       "base",
		Created:      v1.Time{Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		History:      []v1.History{{CreatedBy: "RUN a"}, {CreatedBy: "RUN b"}},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{{Algorithm: "sha256", Hex: "aa"}}},
		Config: v1.Config{
			Cmd:          []string{"old-cmd"},
			Entrypoint:   []string{"old-ep"},
			Env:          []string{"PATH=/usr/bin", "WERF_COMMIT_HASH=abc"},
			User:         "nobody",
			WorkingDir:   "/old",
			StopSignal:   "SIGTERM",
			Volumes:      map[string]struct{}{"/data": {}},
			ExposedPorts: map[string]struct{}{"80/tcp": {}},
			Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "old"}},
			Shell:        []string{"/bin/sh", "-c"},
			OnBuild:      []string{"RUN x"},
			Labels: map[string]string{
				"werf": "demo", "werf-version": "v2.0.0", "werf-stage-content-digest": "old",
				"werf-project-repo-commit": "c0ffee", "werf-dependency-stage-id-x": "y",
				"org.opencontainers.image.title": "base", "keep": "me",
			},
		},
	}
}

// service are the imageSpec stage's own labels, as the pipeline publishes it.
var service = map[string]string{
	"werf":                      "demo",
	"werf-version":              "dagwerf-test",
	"werf-stage-content-digest": "content",
	"werf.io/parent-stage-id":   prevDigest + "-1700000000000",
	"werf.io/base-image-id":     "sha256:cfg",
}

// Apply, key by key: each case changes the previous config (prevConfig) as
// expected and leaves the rest as it was.
func TestApply(t *testing.T) {
	serviceLabels := func(extra map[string]string, drop ...string) map[string]string {
		m := prevConfig().Config.Labels
		maps.Copy(m, service)
		maps.Copy(m, extra)
		for _, d := range drop {
			delete(m, d)
		}
		return m
	}
	unchangedEnv := []string{"PATH=/usr/bin"}
	tests := []struct {
		name   string
		spec   config.ImageSpec
		opts   Options
		change func(*v1.ConfigFile) // on prevConfig with the service labels and the env rule applied
	}{
		{name: "empty spec: service labels over the old, werf's commit env gone"},
		{
			name:   "author",
			spec:   config.ImageSpec{Author: "me <me@example.com>"},
			change: func(c *v1.ConfigFile) { c.Author = "me <me@example.com>" },
		},
		{
			name:   "clearHistory",
			spec:   config.ImageSpec{ClearHistory: true},
			change: func(c *v1.ConfigFile) { c.History = []v1.History{} },
		},
		{
			name: "removeLabels: names and regexes, werf-version and base-image-id too, the essential ones stay",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{RemoveLabels: []string{"keep", "/werf.*/", "/org\\..*/"}}},
			change: func(c *v1.ConfigFile) {
				c.Config.Labels = map[string]string{
					"werf": "demo", "werf-stage-content-digest": "content",
					"werf.io/parent-stage-id": service["werf.io/parent-stage-id"], "werf-project-repo-commit": "c0ffee",
				}
			},
		},
		{
			// html/template also writes a "<" that opens no tag as "&lt;".
			name: "labels: templated and HTML-escaped, over everything, the essential ones included",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{Labels: map[string]string{
				"keep": "changed", "werf": "overridden", "%project%.%image%": "<%image%>",
			}}},
			opts: Options{Project: "demo", Image: "a&b"},
			change: func(c *v1.ConfigFile) {
				c.Config.Labels = serviceLabels(map[string]string{"keep": "changed", "werf": "overridden", "demo.a&amp;b": "&lt;a&amp;b>"})
			},
		},
		{
			name: "volumes and removeVolumes",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{Volumes: []string{"/new"}, RemoveVolumes: []string{"/data", "/none"}}},
			change: func(c *v1.ConfigFile) {
				c.Config.Volumes = map[string]struct{}{"/new": {}}
			},
		},
		{
			name: "env and removeEnv",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{Env: map[string]string{"PATH": "/opt/bin:$PATH", "NEW": "1"}, RemoveEnv: []string{"/P.*/"}}},
			change: func(c *v1.ConfigFile) {
				c.Config.Env = []string{"PATH=/opt/bin:/usr/bin", "NEW=1"}
			},
		},
		{
			name:   "expose replaces the ports, as written",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Expose: []string{"8080", "53/udp"}}},
			change: func(c *v1.ConfigFile) { c.Config.ExposedPorts = map[string]struct{}{"8080": {}, "53/udp": {}} },
		},
		{
			name:   "expose: [] clears the ports",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Expose: []string{}}},
			change: func(c *v1.ConfigFile) { c.Config.ExposedPorts = map[string]struct{}{} },
		},
		{
			name: "healthcheck seconds become durations",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{
				Test: []string{"CMD", "true"}, Interval: 30, Timeout: 5, StartPeriod: 2, Retries: 3,
			}}},
			change: func(c *v1.ConfigFile) {
				c.Config.Healthcheck = &v1.HealthConfig{Test: []string{"CMD", "true"}, Interval: 30 * time.Second, Timeout: 5 * time.Second, StartPeriod: 2 * time.Second, Retries: 3}
			},
		},
		{
			name:   "empty healthcheck replaces the old one",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{}}},
			change: func(c *v1.ConfigFile) { c.Config.Healthcheck = &v1.HealthConfig{} },
		},
		{
			name:   "user",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{User: "app"}},
			change: func(c *v1.ConfigFile) { c.Config.User = "app" },
		},
		{
			name:   "clearUser",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearUser: true}},
			change: func(c *v1.ConfigFile) { c.Config.User = "" },
		},
		{
			name:   "clearUser with user sets the user",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearUser: true, User: "app"}},
			change: func(c *v1.ConfigFile) { c.Config.User = "app" },
		},
		{
			name:   "workingDir",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{WorkingDir: "/app"}},
			change: func(c *v1.ConfigFile) { c.Config.WorkingDir = "/app" },
		},
		{
			name:   "clearWorkingDir",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearWorkingDir: true}},
			change: func(c *v1.ConfigFile) { c.Config.WorkingDir = "" },
		},
		{
			name:   "stopSignal",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{StopSignal: "SIGQUIT"}},
			change: func(c *v1.ConfigFile) { c.Config.StopSignal = "SIGQUIT" },
		},
		// werf's TestBaseConfig cases, on the config they produce.
		{
			name: "entrypoint and cmd are set",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"echo", "hello"}}},
			change: func(c *v1.ConfigFile) {
				c.Config.Entrypoint, c.Config.Cmd = []string{"/bin/sh", "-c"}, []string{"echo", "hello"}
			},
		},
		{
			name:   "entrypoint is set and cmd is not: the old cmd goes",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Entrypoint: []string{"/bin/sh", "-c"}}},
			change: func(c *v1.ConfigFile) { c.Config.Entrypoint, c.Config.Cmd = []string{"/bin/sh", "-c"}, []string{} },
		},
		{
			name:   "clearCmd and clearEntrypoint",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearCmd: true, ClearEntrypoint: true}},
			change: func(c *v1.ConfigFile) { c.Config.Entrypoint, c.Config.Cmd = []string{}, []string{} },
		},
		{
			name: "neither: both stay",
			spec: config.ImageSpec{Config: config.ImageSpecConfig{ClearCmd: false, ClearEntrypoint: false}},
		},
		{
			name:   "cmd alone keeps the entrypoint",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Cmd: []string{"run"}}},
			change: func(c *v1.ConfigFile) { c.Config.Cmd = []string{"run"} },
		},
		{
			name:   "clearCmd with cmd sets the cmd",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearCmd: true, Cmd: []string{"run"}}},
			change: func(c *v1.ConfigFile) { c.Config.Cmd = []string{"run"} },
		},
		{
			name:   "entrypoint: [] clears the cmd and keeps the entrypoint (werf tests for a set list)",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Entrypoint: []string{}}},
			change: func(c *v1.ConfigFile) { c.Config.Cmd = []string{} },
		},
		{
			name:   "cmd: [] beside an entrypoint keeps the old cmd",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{Entrypoint: []string{"/ep"}, Cmd: []string{}}},
			change: func(c *v1.ConfigFile) { c.Config.Entrypoint = []string{"/ep"} },
		},
		{
			name: "platform sets os, architecture and variant",
			opts: Options{Platform: "linux/arm64"},
			change: func(c *v1.ConfigFile) {
				c.OS, c.Architecture, c.Variant = "linux", "arm64", ""
			},
		},
		{
			name:   "platform with a variant",
			opts:   Options{Platform: "linux/arm/v7"},
			change: func(c *v1.ConfigFile) { c.OS, c.Architecture, c.Variant = "linux", "arm", "v7" },
		},
		{
			name:   "platform linux/arm64/v8 keeps its variant",
			opts:   Options{Platform: "linux/arm64/v8"},
			change: func(c *v1.ConfigFile) { c.OS, c.Architecture, c.Variant = "linux", "arm64", "v8" },
		},
		{
			name:   "clearWerfLabels does nothing",
			spec:   config.ImageSpec{Config: config.ImageSpecConfig{ClearWerfLabels: true}},
			change: func(c *v1.ConfigFile) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := prevConfig()
			opts := tt.opts
			opts.Labels = service
			got, err := Apply(prev, &tt.spec, opts)
			require.NoError(t, err)

			want := prevConfig()
			want.Config.Labels = serviceLabels(nil)
			want.Config.Env = unchangedEnv
			if tt.change != nil {
				tt.change(want)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, prevConfig(), prev, "the previous config is not changed")
		})
	}
}

func TestApplyEssentialLabelsWarning(t *testing.T) {
	tests := []struct {
		name   string
		remove []string
		keep   bool
		warn   bool
	}{
		{name: "an essential label matched", remove: []string{"werf"}, warn: true},
		{name: "matched by a regex", remove: []string{"/werf.*/"}, warn: true},
		{name: "matched, keepEssentialWerfLabels set", remove: []string{"/.*/"}, keep: true},
		{name: "werf-version is not essential", remove: []string{"werf-version"}},
		{name: "nothing matched", remove: []string{"none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			spec := &config.ImageSpec{Config: config.ImageSpecConfig{RemoveLabels: tt.remove, KeepEssentialWerfLabels: tt.keep}}
			got, err := Apply(prevConfig(), spec, Options{Labels: service, Warn: func(s string) { warnings = append(warnings, s) }})
			require.NoError(t, err)
			if tt.warn {
				assert.Equal(t, []string{EssentialLabelsWarning}, warnings)
			} else {
				assert.Empty(t, warnings)
			}
			for _, l := range essentialLabels {
				assert.Contains(t, got.Config.Labels, l)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  *v1.ConfigFile
		spec *config.ImageSpec
		opts Options
		err  string
	}{
		{name: "no config", spec: &config.ImageSpec{}, err: "imageSpec: no config to change"},
		{name: "no spec", cfg: prevConfig(), err: "imageSpec: no imageSpec"},
		{name: "bad platform", cfg: prevConfig(), spec: &config.ImageSpec{}, opts: Options{Platform: "linux/a b"}, err: `imageSpec: platform "linux/a b"`},
		{
			name: "removeLabels regex",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{RemoveLabels: []string{"/[/"}}},
			err:  `imageSpec: labels: invalid regular expression "/[/"`,
		},
		{
			name: "lone slash",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{RemoveLabels: []string{"/"}}},
			err:  `imageSpec: labels: "/" is neither a name nor a /regex/`,
		},
		{
			name: "label template",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Labels: map[string]string{"a": "100%"}}},
			err:  `imageSpec: labels: label "a" value "100%"`,
		},
		{
			name: "label key template",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Labels: map[string]string{"%nope%": "x"}}},
			err:  `imageSpec: labels: key "%nope%"`,
		},
		{
			name: "env expansion",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Env: map[string]string{"A": "${B:?unset}"}}},
			err:  `imageSpec: env: A: expanding`,
		},
		{
			name: "negative healthcheck interval",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{Interval: -1}}},
			err:  "imageSpec: healthcheck: interval must not be negative, got -1",
		},
		{
			name: "negative retries",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{Retries: -1}}},
			err:  "imageSpec: healthcheck: retries must not be negative, got -1",
		},
		{
			name: "timeout past a duration",
			cfg:  prevConfig(),
			spec: &config.ImageSpec{Config: config.ImageSpecConfig{Healthcheck: &config.Healthcheck{Timeout: 1 << 62}}},
			err:  "imageSpec: healthcheck: timeout of 4611686018427387904 seconds is longer than a duration can be",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Apply(tt.cfg, tt.spec, tt.opts)
			assert.ErrorContains(t, err, tt.err)
		})
	}
}

// A config with nothing set gets labels and env maps, never nil pointers.
func TestApplyEmptyConfig(t *testing.T) {
	got, err := Apply(&v1.ConfigFile{}, &config.ImageSpec{}, Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{}, got.Config.Labels)
	assert.Equal(t, []string{}, got.Config.Env)
	assert.Equal(t, map[string]struct{}{}, got.Config.Volumes)
}

// Apply and Digest return, whatever the spec and config hold.
func FuzzApply(f *testing.F) {
	f.Add("PATH=/bin", "${PATH}:/x", "/a|b/", "%image%", "k", "/(/", "linux/arm64", -1)
	f.Add("A", "${A#}", "/", "<%project%", "%", "x", "", 0)
	f.Add("=", "$", "//", "100%", "%\"%\"%", "/.*/", "linux/a b", 1<<62)
	f.Fuzz(func(t *testing.T, env, value, remove, label, labelKey, volume, platform string, n int) {
		spec := &config.ImageSpec{Author: label, Config: config.ImageSpecConfig{
			Env:          map[string]string{"X": value},
			RemoveEnv:    []string{remove},
			RemoveLabels: []string{remove},
			Labels:       map[string]string{labelKey: label},
			Volumes:      []string{volume},
			Entrypoint:   []string{},
			Healthcheck:  &config.Healthcheck{Interval: n, Retries: n},
		}}
		cfg := &v1.ConfigFile{Config: v1.Config{Env: []string{env}, Labels: map[string]string{labelKey: value}}}
		_, _ = Apply(cfg, spec, Options{Platform: platform, Project: label, Image: value})
		_, _ = Digest(platform, value, spec)
	})
}
