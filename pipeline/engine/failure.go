package engine

import (
	"errors"
	"fmt"
	"strings"

	"dagger.io/dagger"
)

// maxOutputLines is how much of a failed instruction's output an error shows:
// the end, where the cause usually is.
const maxOutputLines = 40

// buildFailure is a Dockerfile build that failed in one of its RUN instructions:
// the instruction, its exit code and the end of its output, which Dagger keeps
// in the error but does not print.
type buildFailure struct {
	instruction string
	exitCode    int
	output      string
	err         error
}

func (f *buildFailure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: exit code %d", f.instruction, f.exitCode)
	if f.output != "" {
		b.WriteString("\n")
		b.WriteString(f.output)
	}
	return b.String()
}

func (f *buildFailure) Unwrap() error { return f.err }

// describeFailure turns the engine's error for a failed RUN into one that shows
// the instruction and its output; other errors pass unchanged.
func describeFailure(err error) error {
	var exec *dagger.ExecError
	if !errors.As(err, &exec) {
		return err
	}
	return &buildFailure{
		instruction: instruction(exec.Cmd),
		exitCode:    exec.ExitCode,
		output:      tail(exec.Stdout, exec.Stderr),
		err:         err,
	}
}

// instruction writes a RUN's command as the Dockerfile had it: the shell form
// without the shell, else the exec form.
func instruction(cmd []string) string {
	if len(cmd) == 3 && cmd[1] == "-c" && strings.HasSuffix(cmd[0], "sh") {
		return "RUN " + cmd[2]
	}
	quoted := make([]string, len(cmd))
	for i, arg := range cmd {
		quoted[i] = fmt.Sprintf("%q", arg)
	}
	return "RUN [" + strings.Join(quoted, ", ") + "]"
}

// tail is the last lines of stdout and then stderr, each line indented.
func tail(stdout, stderr string) string {
	var lines []string
	for _, out := range []string{stdout, stderr} {
		if out = strings.TrimRight(out, "\n"); out != "" {
			lines = append(lines, strings.Split(out, "\n")...)
		}
	}
	skipped := 0
	if len(lines) > maxOutputLines {
		skipped = len(lines) - maxOutputLines
		lines = lines[skipped:]
	}
	var b strings.Builder
	if skipped > 0 {
		fmt.Fprintf(&b, "  … %d lines before\n", skipped)
	}
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("  | " + l)
	}
	return b.String()
}
