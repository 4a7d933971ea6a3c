package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// laughs is YAML's "billion laughs": levels lists of nine aliases of the level
// below, nine to the power of levels strings when expanded; each line is
// indented by indent.
func laughs(indent string, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%sl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", indent)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "%sl%d: &l%d [", indent, i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// Aliases that expand exponentially are not expanded: the configuration is read
// from yaml.v3 nodes, which keep an alias as a reference, and the places that
// decode values (args, fromYaml, werf-giterminism.yaml) use the YAML libraries'
// limit on aliasing.
func TestLoadAliasBombs(t *testing.T) {
	const image = "image: app\ndockerfile: Dockerfile\n"
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{
			name:  "in an args value",
			files: map[string]string{"werf.yaml": meta + image + "args:\n  A:\n" + laughs("    ", 9)},
			err:   "args.A: yaml: document contains excessive aliasing",
		},
		{
			name:  "beside the keys, used by none",
			files: map[string]string{"werf.yaml": meta + "x:\n" + laughs("  ", 9) + image},
			err:   `unknown key "x"`,
		},
		{
			name:  "in the cleanup section",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: demo\nl:\n" + laughs("  ", 9) + "cleanup:\n  keepPolicies: *l9\n---\n" + image},
			err:   "cleanup.keepPolicies[0]: expected a mapping, got a list",
		},
		{
			name:  "in fromYaml",
			files: map[string]string{"werf.yaml": meta + `{{ $x := fromYaml "` + strings.ReplaceAll(laughs("", 9), "\n", `\n`) + `" }}` + "\n" + image},
			err:   "error calling fromYaml: yaml: document contains excessive aliasing",
		},
		{
			name:  "in werf-giterminism.yaml",
			files: map[string]string{"werf.yaml": meta + image, "werf-giterminism.yaml": "giterminismConfigVersion: 1\nx:\n" + laughs("  ", 9)},
			err:   "werf-giterminism.yaml: error converting YAML to JSON: yaml: document contains excessive aliasing",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.files, config.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

// Merge keys are followed to a bounded depth: a chain of mappings each merging
// the one before (`a2: &a2 {<<: *a1}`) recursed once per link and overflowed
// the stack, a fatal error, at about a million links (a 33 MB werf.yaml).
func TestLoadMergeKeyDepth(t *testing.T) {
	const image = "image: app\ndockerfile: Dockerfile\n"
	nested := func(n int) string { // args: {<<: {<<: … {A: deep}}}
		return "args: " + strings.Repeat("{<<: ", n) + "{A: deep}" + strings.Repeat("}", n) + "\n"
	}
	chain := func(n int) string { // anchors under x, args merging the last
		var b strings.Builder
		b.WriteString("x:\n  a0: &a0 {A: deep}\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "  a%d: &a%d {<<: *a%d}\n", i, i, i-1)
		}
		fmt.Fprintf(&b, "args:\n  <<: *a%d\n", n-1)
		return b.String()
	}
	tests := []struct {
		name, werf, err string
	}{
		{name: "nested 1000 deep", werf: meta + image + nested(1000)},
		{name: "nested 1001 deep", werf: meta + image + nested(1001), err: "werf.yaml:6 (document 2): image \"app\": args: merge keys (<<) nest more than 1000 deep"},
		{name: "a chain of 1500 aliases", werf: meta + image + chain(1500), err: "image \"app\": args: merge keys (<<) nest more than 1000 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, map[string]string{"werf.yaml": tt.werf}, config.Options{})
			if tt.err == "" {
				require.NoError(t, err)
				assert.Equal(t, "deep", cfg.Image("app").Args["A"])
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
