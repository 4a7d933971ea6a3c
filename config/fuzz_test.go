package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dagwerf/dagwerf/config/giterminism"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// FuzzBuild renders and parses arbitrary werf.yaml text against a small committed
// project: whatever the input, Load must return a config or an error, never panic.
// The seeds (every golden render input and a few sharp edges) run in plain go test.
func FuzzBuild(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/render/*/project/werf.yaml")
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, seed := range []string{
		"",
		"---\n---\n",
		"configVersion: 1\nproject: p\n---\nimage: [a, ~, {x: 1}]\ndockerfile: D\n",
		"configVersion: 1\nproject: p\n---\nimage: a\ndockerfile: D\nargs: &x {<<: *x}\n",
		"configVersion: 1\nproject: p\n---\nimage: a\ndockerfile: D\ndependencies: [{image: a, imports: [{}]}]\n",
		"{{ template \"werf.yaml\" . }}",
		"{{ .Files.Glob \"**\" }}{{ .Files.Get \"../x\" }}{{ .Files.IsDir \"/\" }}",
		"{{ tpl \"{{ tpl . . }}\" \"{{ 1 }}\" }}",
		"configVersion: 1\nproject: p\ncleanup: {keepPolicies: [{references: {tag: a, branch: b}}]}\n",
		"a: *unknown\n",
		"configVersion: 1\nproject: p\n---\ndockerfile: D\nimage: [a]\nsecrets: [{value: v}]\n",
		"configVersion: 1\nproject: p\nbuild: {imageSpec: {config: {removeLabels: [/, \"/(/\"], labels: {\"%x\": \"<%image%\"}}}}\n---\nimage: a\ndockerfile: D\nimageSpec: {config: {removeEnv: [//], healthcheck: {interval: -.inf, retries: 0x10}, env: {A: ~}}}\n",
		// Stapel
		"configVersion: 1\nproject: p\n---\nimage: [a, b]\nfrom: a\ngit: [{to: /}, {add: /x, to: /x/y, includePaths: [z]}, {url: 'git@h:a/b.git', tag: t, to: /, basicAuth: {password: {}}}]\nimport: [{image: b, add: /, to: /, includePaths: [q], after: install}]\n",
		"configVersion: 1\nproject: p\n---\nartifact: a\nfromImage: b\n---\nimage: b\nfromArtifact: a\nimport: [{artifact: a, add: /, after: setup}]\ndependencies: [{image: a, before: install, imports: [{type: ImageID, targetEnv: X}]}]\n",
		"configVersion: 1\nproject: p\n---\nimage: ~\nfrom: scratch\nshell: {install: [1, ~, yes]}\nansible: {install: [{block: [{block: ~}]}]}\ndocker: {CMD: [], ENTRYPOINT: [a], ENV: {A: [b]}}\nmount: [{from: build_dir}, {fromPath: ~, to: /}]\n",
		"configVersion: 1\nproject: p\n---\nimage: a\nfrom: x@sha256:0000000000000000000000000000000000000000000000000000000000000000\nfromLatest: yes\nplatform: [linux/arm64]\ndependencies: [{image: a, after: setup}]\ngit: &g [{to: /a, excludePaths: ../x, stageDependencies: {install: *g}}]\n",
	} {
		f.Add(seed)
	}

	r := gittest.New(f)
	r.CommitFiles(map[string]string{"conf/a.yaml": "a: 1\n", "VERSION": "1\n"})
	snap, err := source.Open(r.Dir)
	if err != nil {
		f.Fatal(err)
	}
	files := &files{snap: snap}
	gt := &giterminism.Config{}
	opts := Options{LookupEnv: func(string) (string, bool) { return "", false }}

	f.Fuzz(func(t *testing.T, content string) {
		cfg, err := build(files, gt, templateSource{name: "werf.yaml", file: "werf.yaml", content: content}, nil, opts)
		if err == nil && cfg == nil {
			t.Fatal("no config and no error")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("an empty error message")
		}
	})
}
