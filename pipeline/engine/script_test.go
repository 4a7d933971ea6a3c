package engine

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The script is werf's (pkg/container_backend/buildah_backend.go, makeScript
// without verbose output) up to the line that numbers each command.
func TestStageScriptIsWerfs(t *testing.T) {
	const werfHeader = "#!/bin/sh\n\nset -e\n\nif [ \"x$_IS_REEXEC\" = \"x\" ]; then\n\tif type bash >/dev/null 2>&1 ; then\n\t\texport _IS_REEXEC=\"1\"\n\t\texec bash $0\n\tfi\nfi\n\n"
	script := stageScript([]string{"echo a", "if true; then\n  echo b\nfi"})
	require.True(t, strings.HasPrefix(script, werfHeader), script)
	assert.True(t, strings.HasSuffix(script, "_dagwerf_command=1\necho a\n_dagwerf_command=2\nif true; then\n  echo b\nfi\n"), script)
}

// shells runs the script with each shell found here, as the stage container
// would: busybox and dash without bash on PATH (their own `sh`), and sh with
// bash on PATH, which the script re-executes into.
func shells(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	noBash := "PATH=" + t.TempDir()
	for name, bin := range map[string]string{"busybox sh": "/bin/busybox", "dash": "/bin/dash"} {
		if _, err := os.Stat(bin); err == nil {
			args := []string{bin}
			if name == "busybox sh" {
				args = append(args, "sh")
			}
			out[name] = append([]string{noBash}, args...)
		}
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		out["sh, bash on PATH"] = []string{"PATH=" + filepath.Dir(bash) + ":/usr/bin:/bin", "/bin/sh"}
	}
	if len(out) == 0 {
		t.Skip("no shell to run the script with")
	}
	return out
}

func runScript(t *testing.T, shell []string, commands []string) (stdout, stderr string, code int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.sh")
	require.NoError(t, os.WriteFile(path, []byte(stageScript(commands)), 0o555))
	cmd := exec.Command(shell[1], append(shell[2:], path)...)
	cmd.Env = []string{shell[0]}
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), errOut.String(), 0
}

func TestStageScriptRuns(t *testing.T) {
	for name, shell := range shells(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name     string
				commands []string
				stdout   string
				stderr   string // without the line naming the failed command
				code     int
				failed   int // the command named, 0 for none
			}{
				{
					name:     "in order, the shell's state carried from one command to the next",
					commands: []string{"echo one", "X=two; cd /", "echo $X $(pwd)", "if [ -n \"$X\" ]; then\n  echo three\nfi"},
					stdout:   "one\ntwo /\nthree\n",
				},
				{
					name:     "stops at the first failing command",
					commands: []string{"echo one", "echo to-stderr >&2; false", "echo never"},
					stdout:   "one\n",
					stderr:   "to-stderr\n",
					code:     1,
					failed:   2,
				},
				{
					name:     "an exit code of the command's own",
					commands: []string{"true", "true", "printf partial >&2; exit 7"},
					stderr:   "partial",
					code:     7,
					failed:   3,
				},
				{
					name:     "a failure that set -e lets pass is no failure",
					commands: []string{"false || echo tolerated", "if false; then echo no; fi"},
					stdout:   "tolerated\n",
				},
			} {
				t.Run(tc.name, func(t *testing.T) {
					stdout, stderr, code := runScript(t, shell, tc.commands)
					assert.Equal(t, tc.code, code)
					assert.Equal(t, tc.stdout, stdout)
					failed, rest := failedCommand(stderr)
					assert.Equal(t, tc.failed, failed, stderr)
					assert.Equal(t, tc.stderr, rest)
				})
			}
		})
	}
}

// werf's script prefers bash: `type bash` finds it on PATH and the script runs
// again under it, as $0.
func TestStageScriptPrefersBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	stdout, _, code := runScript(t, []string{"PATH=" + filepath.Dir(bash) + ":/usr/bin:/bin", "/bin/sh"},
		[]string{`[ -n "$BASH_VERSION" ] && echo bash`, `echo "$_IS_REEXEC"`})
	assert.Equal(t, 0, code)
	assert.Equal(t, "bash\n1\n", stdout)

	if _, err := os.Stat("/bin/busybox"); err == nil {
		stdout, _, code = runScript(t, []string{"PATH=" + t.TempDir(), "/bin/busybox", "sh"}, []string{`[ -n "$BASH_VERSION" ] || echo sh`})
		assert.Equal(t, 0, code)
		assert.Equal(t, "sh\n", stdout, "no bash: sh runs the commands")
	}
}

func TestFailedCommand(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		n      int
		rest   string
	}{
		{"", 0, ""},
		{"plain error\n", 0, "plain error\n"},
		{"boom\n\n" + failedCommandMark + "12\n", 12, "boom\n"},
		{"no newline\n" + failedCommandMark + "3\n", 3, "no newline"},
		{"\n" + failedCommandMark + "1\n", 1, ""},
		{failedCommandMark + "x\n", 0, failedCommandMark + "x\n"},
		{"\n" + failedCommandMark + "2\nlater output\n", 0, "\n" + failedCommandMark + "2\nlater output\n"},
	} {
		n, rest := failedCommand(tc.stderr)
		assert.Equal(t, tc.n, n, "%q", tc.stderr)
		assert.Equal(t, tc.rest, rest, "%q", tc.stderr)
	}
}
