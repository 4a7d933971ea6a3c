package enginetest

import (
	"os"
	"testing"
)

// Available reports whether a Dagger engine is reachable without provisioning one:
// inside `dagger run` (DAGGER_SESSION_PORT), or a running engine named by
// _EXPERIMENTAL_DAGGER_RUNNER_HOST with the CLI in _EXPERIMENTAL_DAGGER_CLI_BIN.
func Available() bool {
	if os.Getenv("DAGGER_SESSION_PORT") != "" && os.Getenv("DAGGER_SESSION_TOKEN") != "" {
		return true
	}
	return os.Getenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST") != "" && os.Getenv("_EXPERIMENTAL_DAGGER_CLI_BIN") != ""
}

// Require skips the test when no engine is reachable, saying how to give it one.
func Require(t testing.TB) {
	t.Helper()
	if !Available() {
		t.Skip("no Dagger engine: run the tests under `dagger run go test ./...`, or set _EXPERIMENTAL_DAGGER_RUNNER_HOST (e.g. unix:///run/dagger/engine.sock) and _EXPERIMENTAL_DAGGER_CLI_BIN to a dagger v0.21.8 CLI")
	}
}
