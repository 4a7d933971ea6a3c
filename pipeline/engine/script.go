package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// scriptPath is where werf's buildah path puts a user stage's script, and what
// it runs: `sh /.werf/script.sh` as 0:0 in / (pkg/container_backend/
// buildah_backend.go, applyCommands). The script is mounted, never written
// into the stage.
const scriptPath = "/.werf/script.sh"

// failedCommandMark starts the line the script writes to stderr when it fails,
// followed by the number of the command it was running: werf's script does not
// say which command failed, and a failure should.
const failedCommandMark = "dagwerf: the stage failed in command "

// stageScript is werf's script for a user stage's commands (makeScript in
// buildah_backend.go, not verbose): `set -e`, then bash in place of sh when
// the image has one, then each command as written on a line of its own. Before
// each command a line records its number, as werf's verbose script puts a line
// before each command; an exit trap writes that number to stderr when the
// script fails, so that the error can name the command.
func stageScript(commands []string) string {
	var b strings.Builder
	b.WriteString(`#!/bin/sh

set -e

if [ "x$_IS_REEXEC" = "x" ]; then
	if type bash >/dev/null 2>&1 ; then
		export _IS_REEXEC="1"
		exec bash $0
	fi
fi

`)
	fmt.Fprintf(&b, "trap '_dagwerf_status=$?; if [ \"$_dagwerf_status\" -ne 0 ] && [ -n \"$_dagwerf_command\" ]; then printf \"\\n%s%%s\\n\" \"$_dagwerf_command\" >&2; fi; exit \"$_dagwerf_status\"' EXIT\n", failedCommandMark)
	for i, c := range commands {
		fmt.Fprintf(&b, "_dagwerf_command=%d\n%s\n", i+1, c)
	}
	return b.String()
}

var failedCommandLine = regexp.MustCompile(`\n?` + regexp.QuoteMeta(failedCommandMark) + `(\d+)\n*$`)

// failedCommand reads the number of the failed command (1-based; 0 when the
// script did not say) from the end of stderr, and returns stderr without it.
func failedCommand(stderr string) (int, string) {
	m := failedCommandLine.FindStringSubmatchIndex(stderr)
	if m == nil {
		return 0, stderr
	}
	n, err := strconv.Atoi(stderr[m[2]:m[3]])
	if err != nil {
		return 0, stderr
	}
	return n, stderr[:m[0]]
}
