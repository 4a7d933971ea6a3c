package main

import (
	"regexp"
	"slices"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
)

// eachCommand calls fn with every command under root and its path of names.
func eachCommand(root *cobra.Command, fn func(cmd *cobra.Command, path []string)) {
	var visit func(cmd *cobra.Command, path []string)
	visit = func(cmd *cobra.Command, path []string) {
		fn(cmd, path)
		for _, sub := range cmd.Commands() {
			if !sub.Hidden && sub.Name() != "help" {
				visit(sub, append(slices.Clone(path), sub.Name()))
			}
		}
	}
	visit(root, nil)
}

var (
	// werfPlaceholders are werf's own custom-tag placeholders, which help names.
	werfPlaceholders = regexp.MustCompile(`%[a-z_]+%`)
	// fmtVerb is a format verb left unexpanded, or fmt's complaint about one.
	fmtVerb = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z!]`)
	// valueName is what pflag shows after a flag: a type, or a word from the
	// usage's backquotes, never text.
	valueName = regexp.MustCompile(`^[a-zA-Z]*$`)
)

// No help shows an unexpanded placeholder: a format verb, a template action, a
// nil, or a flag value name pflag took from backquotes in the usage.
func TestHelpHasNoPlaceholders(t *testing.T) {
	eachCommand(newRootCommand(nil), func(cmd *cobra.Command, path []string) {
		stdout, stderr, code := dagwerf(t, nil, append(slices.Clone(path), "--help")...)
		assert.Equal(t, 0, code, "%v: %s", path, stderr)
		text := werfPlaceholders.ReplaceAllString(stdout, "")
		assert.NotRegexp(t, fmtVerb, text, "%v", path)
		for _, bad := range []string{"{{", "}}", "<nil>", "<no value>"} {
			assert.NotContains(t, text, bad, "%v", path)
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(f)
			assert.Regexp(t, valueName, name, "%v --%s: value name", path, f.Name)
			if f.Value.Type() == "bool" {
				assert.Empty(t, name, "%v --%s takes no value", path, f.Name)
			}
		})
	})
}

// helpFlags are the long flag names a help text lists.
func helpFlags(help string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`).FindAllStringSubmatch(help, -1) {
		names = append(names, m[1])
	}
	slices.Sort(names)
	return names
}

// digest lists exactly the flags it reads: where the project is and how its
// configuration is read, which images and platforms, the storage that
// dependencies' stages are looked up in (a stage found only in a secondary repo
// is copied under the stage lock, so --synchronization counts), --json, --log-debug and
// --explain with --against. No
// build-only flag (parallelism, logging, reports, tags, --final-repo).
func TestDigestHelpListsExactlyItsFlags(t *testing.T) {
	stdout, stderr, code := dagwerf(t, nil, "digest", "--help")
	assert.Equal(t, 0, code, stderr)
	want := []string{
		"dir", "config", "config-templates-dir", "giterminism-config", "env", "dev", "loose-giterminism",
		"platform", "final-images-only",
		"repo", "cache-repo", "secondary-repo", "insecure-registry", "skip-tls-verify-registry", "docker-config", "synchronization",
		"json", "stages", "explain", "against", "log-debug", "help",
	}
	slices.Sort(want)
	assert.Equal(t, want, helpFlags(stdout))
}
