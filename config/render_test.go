package config_test

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Each directory of testdata/render holds a project (committed into a fresh
// repository) and the exact text werf would render from it.
func TestRenderGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata/render")
	require.NoError(t, err)
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata/render", c.Name())
			r := gittest.New(t)
			copyTree(t, filepath.Join(dir, "project"), r.Dir)
			r.Commit("project")

			opts := config.Options{}
			if env, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
				opts.Env = strings.TrimSpace(string(env))
			}
			cfg, err := loadRepo(t, r, opts)
			require.NoError(t, err)

			golden := filepath.Join(dir, "rendered.yaml")
			if *update {
				require.NoError(t, os.WriteFile(golden, cfg.Rendered, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(cfg.Rendered))
		})
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	}))
}

func TestRenderEnvFunction(t *testing.T) {
	const tmpl = meta + "image: app\ndockerfile: Dockerfile\nargs:\n  V: \"{{ env \"VAR\" %s }}\"\n"
	allowAll := "giterminismConfigVersion: 1\nconfig: {goTemplateRendering: {allowEnvVariables: [/V.*/]}}\n"
	tests := []struct {
		name   string
		def    string
		env    map[string]string
		allow  bool
		loose  bool
		want   string
		errMsg string
	}{
		{name: "set", env: map[string]string{"VAR": "x"}, allow: true, want: "x"},
		{name: "unset with default", def: `"d"`, allow: true, want: "d"},
		{name: "empty with default", def: `"d"`, env: map[string]string{"VAR": ""}, allow: true, want: "d"},
		{name: "empty without default", env: map[string]string{"VAR": ""}, allow: true, want: ""},
		{name: "unset without default", allow: true, errMsg: `environment variable "VAR" is not set and env has no default`},
		{name: "not allowed even with default", def: `"d"`, env: map[string]string{"VAR": "x"}, errMsg: `environment variable "VAR" is not allowed: list it in werf-giterminism.yaml (config.goTemplateRendering.allowEnvVariables)`},
		{name: "loose allows and tolerates unset", loose: true, want: ""},
		{name: "two defaults", def: `"a" "b"`, allow: true, errMsg: "env takes a name and at most one default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"werf.yaml": strings.Replace(tmpl, "%s", tt.def, 1)}
			if tt.allow {
				files["werf-giterminism.yaml"] = allowAll
			}
			cfg, err := load(t, files, config.Options{LooseGiterminism: tt.loose, LookupEnv: func(k string) (string, bool) {
				v, ok := tt.env[k]
				return v, ok
			}})
			if tt.errMsg != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "werf.yaml:7: template: ")
				assert.Contains(t, err.Error(), tt.errMsg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg.Image("app").Args["V"])
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{
			name:  "parse error names file and line",
			files: map[string]string{"werf.yaml": meta + "image: {{ .Env }\n"},
			err:   `werf.yaml:4: template: unexpected "}" in operand`,
		},
		{
			name:  "expandenv is not available",
			files: map[string]string{"werf.yaml": meta + "{{ expandenv \"$HOME\" }}\n"},
			err:   `werf.yaml:4: template: function "expandenv" not defined`,
		},
		{
			name:  "required",
			files: map[string]string{"werf.yaml": meta + "{{ required \"set .Env\" .Env }}\n"},
			err:   `werf.yaml:4: template: at <required "set .Env" .Env>: error calling required: set .Env`,
		},
		{
			name:  "missing file",
			files: map[string]string{"werf.yaml": meta + "{{ .Files.Get \"nope.txt\" }}\n"},
			err:   `werf.yaml:4: template: at <.Files.Get>: error calling Get: nope.txt: file does not exist in the HEAD commit`,
		},
		{
			name:  "error in an included template names that file",
			files: map[string]string{"werf.yaml": meta + "{{ include \"bad.tmpl\" . }}\n", ".werf/bad.tmpl": "line1\n{{ fail \"boom\" }}\n"},
			err:   `.werf/bad.tmpl:2: template: at <fail "boom">: error calling fail: boom (included from werf.yaml:4)`,
		},
		{
			name:  "error in a define names the file that holds it",
			files: map[string]string{"werf.yaml": meta + "\n{{ include \"x\" . }}\n", ".werf/_h.tmpl": "{{ define \"x\" }}\n\n{{ fail \"in define\" }}{{ end }}\n"},
			err:   `.werf/_h.tmpl:3: template: executing "x" at <fail "in define">: error calling fail: in define (included from werf.yaml:5)`,
		},
		{
			name:  "undefined include",
			files: map[string]string{"werf.yaml": meta + "{{ include \"missing\" . }}\n"},
			err:   `werf.yaml:4: template: at <include "missing" .>: error calling include: template: no template "missing" associated with template "werf.yaml"`,
		},
		{
			name:  "runaway output is stopped",
			files: map[string]string{"werf.yaml": meta + "{{ range until 70000 }}{{ repeat 1000 \"x\" }}{{ end }}\n"},
			err:   `werf.yaml: the rendered configuration exceeds 64 MiB`,
		},
		{
			name:  "fromYaml of bad YAML",
			files: map[string]string{"werf.yaml": meta + "{{ fromYaml \"a: [\" }}\n"},
			err:   `werf.yaml:4: template: at <fromYaml "a: [">: error calling fromYaml: yaml: line 1: did not find expected node content`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.files, config.Options{})
			require.Error(t, err)
			assert.Equal(t, tt.err, err.Error())
		})
	}
}

// Giterminism: what is read from the commit, the working tree or the disk.
func TestRenderGiterminism(t *testing.T) {
	const image = "image: app\ndockerfile: Dockerfile\n"
	tests := []struct {
		name        string
		committed   map[string]string
		local       map[string]string // written after the commit
		giterminism string
		dev, loose  bool
		wantImages  []string
		wantArg     string // args.V of "app"
		err         string
	}{
		{
			name:       "committed content wins over nothing",
			committed:  map[string]string{"werf.yaml": meta + image},
			wantImages: []string{"app"},
		},
		{
			name:      "uncommitted werf.yaml is refused",
			committed: map[string]string{"werf.yaml": meta + image},
			local:     map[string]string{"werf.yaml": meta + image + "target: x\n"},
			err:       "werf.yaml has uncommitted changes: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev, or allow them in werf-giterminism.yaml (config.allowUncommitted)",
		},
		{
			name:        "allowUncommitted reads the disk",
			committed:   map[string]string{"werf.yaml": meta + image, "werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {allowUncommitted: true}\n"},
			local:       map[string]string{"werf.yaml": meta + "image: local\ndockerfile: Dockerfile\n"},
			wantImages:  []string{"local"},
			giterminism: "committed",
		},
		{
			name:       "--dev reads the working tree",
			committed:  map[string]string{"werf.yaml": meta + image},
			local:      map[string]string{"werf.yaml": meta + "image: dev\ndockerfile: Dockerfile\n"},
			dev:        true,
			wantImages: []string{"dev"},
		},
		{
			name:       "--loose-giterminism reads the disk",
			committed:  map[string]string{"werf.yaml": meta + image},
			local:      map[string]string{"werf.yaml": meta + "image: loose\ndockerfile: Dockerfile\n"},
			loose:      true,
			wantImages: []string{"loose"},
		},
		{
			name:      "untracked werf.yaml",
			committed: map[string]string{"README": ""},
			local:     map[string]string{"werf.yaml": meta + image},
			err:       "werf.yaml is untracked: dagwerf reads the configuration from the HEAD commit",
		},
		{
			name:      "untracked template",
			committed: map[string]string{"werf.yaml": meta + image},
			local:     map[string]string{".werf/new.tmpl": "x"},
			err:       "templates in .werf: .werf/new.tmpl is untracked: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev, or allow them in werf-giterminism.yaml (config.allowUncommittedTemplates)",
		},
		{
			name:      "uncommitted giterminism config",
			committed: map[string]string{"werf.yaml": meta + image, "werf-giterminism.yaml": "giterminismConfigVersion: 1\n"},
			local:     map[string]string{"werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {allowUncommitted: true}\n"},
			err:       "werf-giterminism.yaml has uncommitted changes: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev",
		},
		{
			name:      ".Files.Get of a modified file",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ .Files.Get \"v.txt\" }}'}\n", "v.txt": "1"},
			local:     map[string]string{"v.txt": "2"},
			err:       "error calling Get: v.txt has uncommitted changes: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev, or allow them in werf-giterminism.yaml (config.goTemplateRendering.allowUncommittedFiles)",
		},
		{
			name:      ".Files.Get allowed uncommitted",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ .Files.Get \"v.txt\" }}'}\n", "v.txt": "1", "werf-giterminism.yaml": "giterminismConfigVersion: 1\nconfig: {goTemplateRendering: {allowUncommittedFiles: [v.txt]}}\n"},
			local:     map[string]string{"v.txt": "2"},
			wantArg:   "2",
		},
		{
			name:      ".Files.Get under --dev",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ .Files.Get \"v.txt\" }}'}\n", "v.txt": "1"},
			local:     map[string]string{"v.txt": "2"},
			dev:       true,
			wantArg:   "2",
		},
		{
			name:      ".Files.Glob with an untracked match",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ len (.Files.Glob \"conf/*\") }}'}\n", "conf/a": "1"},
			local:     map[string]string{"conf/b": "2", "conf/a": "changed"},
			err:       "error calling Glob: files are not committed (untracked: conf/b; with uncommitted changes: conf/a)",
		},
		{
			name:      ".Files.Glob under --dev sees untracked files",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ len (.Files.Glob \"conf/*\") }}'}\n", "conf/a": "1"},
			local:     map[string]string{"conf/b": "2"},
			dev:       true,
			wantArg:   "2",
		},
		{
			name:      ".Files.Exists is false for a modified file",
			committed: map[string]string{"werf.yaml": meta + image + "args: {V: '{{ .Files.Exists \"v.txt\" }}/{{ .Files.Exists \"w.txt\" }}/{{ .Files.IsDir \"d\" }}'}\n", "v.txt": "1", "w.txt": "1", "d/x": "1"},
			local:     map[string]string{"v.txt": "2", "d/untracked": "1"},
			wantArg:   "false/true/false",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := gittest.New(t)
			r.CommitFiles(tt.committed)
			r.WriteFiles(tt.local)
			var opts []source.Option
			if tt.dev {
				opts = append(opts, source.WithWorktree())
			}
			cfg, err := loadRepo(t, r, config.Options{LooseGiterminism: tt.loose}, opts...)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			if tt.wantImages != nil {
				assert.Equal(t, tt.wantImages, cfg.ImageNames())
			}
			if tt.wantArg != "" {
				assert.Equal(t, tt.wantArg, cfg.Image("app").Args["V"])
			}
		})
	}
}

// Templates that would run away with the stack, the memory or the CPU stop with
// an error naming what went wrong. The unbounded cases (a template including
// itself forever) crash the process without a limit; the finite ones deeper
// than the limit show the limit is there.
func TestRenderLimits(t *testing.T) {
	const image = "\nimage: app\ndockerfile: Dockerfile\n"
	tests := []struct {
		name  string
		files map[string]string
		err   string // "" renders fine
	}{
		{
			name:  "include of itself forever",
			files: map[string]string{"werf.yaml": meta + `{{ define "a" }}{{ include "a" . }}{{ end }}{{ include "a" . }}` + image},
			err:   `werf.yaml:4: template: at <include "a" .>: error calling include: template "a" includes itself too deeply: include and tpl calls nest more than 1000 deep`,
		},
		{
			name: "include of itself 1500 deep, the chain starting in werf.yaml",
			files: map[string]string{
				"werf.yaml":     meta + "\n{{ include \"down\" 1500 }}" + image,
				".werf/_h.tmpl": `{{ define "down" }}{{ if . }}{{ include "down" (sub . 1) }}{{ end }}{{ end }}`,
			},
			err: `werf.yaml:5: template: at <include "down" 1500>: error calling include: template "down" includes itself too deeply: include and tpl calls nest more than 1000 deep`,
		},
		{
			name: "templates including each other",
			files: map[string]string{
				"werf.yaml":     meta + `{{ include "ping" 1500 }}` + image,
				".werf/_h.tmpl": `{{ define "ping" }}{{ if . }}{{ include "pong" (sub . 1) }}{{ end }}{{ end }}{{ define "pong" }}{{ include "ping" . }}{{ end }}`,
			},
			err: `includes itself too deeply: include and tpl calls nest more than 1000 deep`,
		},
		{
			name:  "tpl of itself forever",
			files: map[string]string{"werf.yaml": meta + `{{ $t := "{{ tpl . . }}" }}{{ tpl $t $t }}` + image},
			err:   `werf.yaml:4: template: at <tpl $t $t>: error calling tpl: tpl "{{ tpl . . }}" includes itself too deeply: include and tpl calls nest more than 1000 deep`,
		},
		{
			name:  "tpl and include 1500 deep",
			files: map[string]string{"werf.yaml": meta + `{{ define "t" }}{{ if . }}{{ tpl "{{ include \"t\" . }}" (sub . 1) }}{{ end }}{{ end }}{{ include "t" 1500 }}` + image},
			err:   `includes itself too deeply: include and tpl calls nest more than 1000 deep`,
		},
		{
			name:  "include 400 deep is fine",
			files: map[string]string{"werf.yaml": meta + `{{ define "down" }}{{ if . }}{{ include "down" (sub . 1) }}{{ end }}{{ end }}{{ include "down" 400 }}` + image},
		},
		{
			name:  "until of a huge count",
			files: map[string]string{"werf.yaml": meta + `{{ $x := until 2000000 }}` + image},
			err:   `werf.yaml:4: template: at <until 2000000>: error calling until: until 2000000 would make 2000000 elements, more than the 1000000 a template may make`,
		},
		{
			name:  "until of a huge count in the output",
			files: map[string]string{"werf.yaml": meta + `{{ until 100000000 }}` + image},
			err:   `werf.yaml:4: template: at <until 100000000>: error calling until: until 100000000 would make 100000000 elements, more than the 1000000 a template may make`,
		},
		{
			name:  "until of a huge negative count",
			files: map[string]string{"werf.yaml": meta + `{{ $x := until -2000000 }}` + image},
			err:   `error calling until: until -2000000 would make 2000000 elements, more than the 1000000 a template may make`,
		},
		{
			name:  "untilStep over a huge range",
			files: map[string]string{"werf.yaml": meta + `{{ $x := untilStep 0 9000000 3 }}` + image},
			err:   `error calling untilStep: untilStep 0 9000000 3 would make 3000000 elements, more than the 1000000 a template may make`,
		},
		{
			name:  "seq over a huge range",
			files: map[string]string{"werf.yaml": meta + `{{ $x := seq 5 2 4000005 }}` + image},
			err:   `error calling seq: seq 5 2 4000005 would make 2000001 elements, more than the 1000000 a template may make`,
		},
		{
			name:  "repeat to a huge string",
			files: map[string]string{"werf.yaml": meta + `{{ $x := repeat 70000000 "x" }}` + image},
			err:   `error calling repeat: repeat 70000000 of a 1-byte string would make 70000000 bytes, more than the 64 MiB a template string may have`,
		},
		{
			name:  "indent by a huge count",
			files: map[string]string{"werf.yaml": meta + `{{ $x := indent 35000000 "a\nb" }}` + image},
			err:   `error calling indent: indent 35000000 of a 2-line string would make 70000003 bytes, more than the 64 MiB a template string may have`,
		},
		{
			name:  "nindent by a huge count",
			files: map[string]string{"werf.yaml": meta + `{{ $x := nindent 70000000 "a" }}` + image},
			err:   `error calling nindent: nindent 70000000 of a 1-line string would make 70000002 bytes, more than the 64 MiB a template string may have`,
		},
		{
			name:  "a huge random string",
			files: map[string]string{"werf.yaml": meta + `{{ $x := randAlphaNum 1000001 }}` + image},
			err:   `error calling randAlphaNum: randAlphaNum 1000001 would make 1000001 random characters, more than the 1000000 a template may make`,
		},
		{
			name:  "huge random bytes",
			files: map[string]string{"werf.yaml": meta + `{{ $x := randBytes 100000000 }}` + image},
			err:   `error calling randBytes: randBytes 100000000 would make 100000000 random bytes, more than the 1000000 a template may make`,
		},
		{
			name:  "a dict set into itself",
			files: map[string]string{"werf.yaml": meta + `{{ $d := dict }}{{ $_ := set $d "self" $d }}` + image},
			err:   `werf.yaml:4: template: at <set $d "self" $d>: error calling set: the value set under "self" contains the dict itself, which would make it endless`,
		},
		{
			name:  "a dict set into itself through a list",
			files: map[string]string{"werf.yaml": meta + `{{ $d := dict }}{{ $_ := set $d "l" (list 1 (dict "d" $d)) }}` + image},
			err:   `error calling set: the value set under "l" contains the dict itself, which would make it endless`,
		},
		{
			name:  "a dict merged into itself",
			files: map[string]string{"werf.yaml": meta + `{{ $d := dict "a" 1 }}{{ $_ := mergeOverwrite $d (dict "self" $d) }}` + image},
			err:   `error calling mergeOverwrite: a dict merged into the first one contains the first one, which would make it endless`,
		},
		{
			name:  "sharing without a cycle is fine",
			files: map[string]string{"werf.yaml": meta + `{{ $s := dict "x" 1 }}{{ $d := dict }}{{ $_ := set $d "a" $s }}{{ $_ := set $d "b" (list $s $s) }}{{ $_ := merge $d $d (dict "c" $s) }}` + image},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := load(t, tt.files, config.Options{})
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, []string{"app"}, cfg.ImageNames())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), "\n", "one sentence")
		})
	}
}
