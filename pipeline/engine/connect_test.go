package engine

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// noSession makes sure the SDK does not take this process for one under
// `dagger run`, whatever the environment the tests run in.
func noSession(t *testing.T) {
	t.Setenv("DAGGER_SESSION_PORT", "")
	t.Setenv("DAGGER_SESSION_TOKEN", "")
	require.NoError(t, os.Unsetenv("DAGGER_SESSION_PORT"))
	require.NoError(t, os.Unsetenv("DAGGER_SESSION_TOKEN"))
}

// closedPort is a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// script writes an executable shell script standing in for the dagger CLI.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "dagger")
	require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755))
	return p
}

// Whatever way to an engine fails, the error says what dagwerf needs, then why.
func TestConnectErrorSaysWhatIsNeeded(t *testing.T) {
	const needs = "no Dagger engine could be reached; dagwerf needs Docker running (for the engine the Dagger SDK starts itself), " +
		"or _EXPERIMENTAL_DAGGER_RUNNER_HOST set to an engine together with _EXPERIMENTAL_DAGGER_CLI_BIN set to a dagger CLI (a dagger on PATH is not used), " +
		"or to be run under `dagger run`: "
	tests := []struct {
		name    string
		env     func(t *testing.T)
		timeout time.Duration
		cause   string // a regular expression
	}{
		{
			name: "the CLI named does not exist",
			env: func(t *testing.T) {
				noSession(t)
				t.Setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://127.0.0.1:"+strconv.Itoa(closedPort(t)))
				t.Setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", filepath.Join(t.TempDir(), "no-dagger"))
			},
			cause: "no such file or directory",
		},
		{
			name: "the CLI cannot reach the runner host",
			env: func(t *testing.T) {
				noSession(t)
				t.Setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://127.0.0.1:"+strconv.Itoa(closedPort(t)))
				t.Setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", script(t, `echo "Error: connect to $_EXPERIMENTAL_DAGGER_RUNNER_HOST: connection refused" >&2; exit 1`+"\n"))
			},
			// The SDK reads the CLI's stderr while it waits for the session's
			// parameters on stdout: which of the two it reports first depends on timing.
			cause: `Error: connect to tcp://127\.0\.0\.1:|failed to read session params: EOF`,
		},
		{
			name: "the CLI never answers",
			env: func(t *testing.T) {
				noSession(t)
				t.Setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://127.0.0.1:"+strconv.Itoa(closedPort(t)))
				// It waits for its stdin to close, as the SDK does to stop it.
				t.Setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", script(t, "exec cat\n"))
			},
			timeout: 100 * time.Millisecond,
			cause:   "the engine session did not start within 100ms",
		},
		{
			name: "the `dagger run` session is gone",
			env: func(t *testing.T) {
				t.Setenv("DAGGER_SESSION_PORT", strconv.Itoa(closedPort(t)))
				t.Setenv("DAGGER_SESSION_TOKEN", "token")
			},
			cause: "connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env(t)
			var opts []Option
			if tt.timeout > 0 {
				opts = append(opts, WithConnectTimeout(tt.timeout))
			}
			e := New(opts...)
			defer e.Close()
			_, err := e.Build(context.Background(), pipeline.BuildRequest{ContextDir: t.TempDir(), Dockerfile: "Dockerfile"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), needs)
			assert.Regexp(t, tt.cause, err.Error())

			// The failure is kept: a later build does not try again.
			_, again := e.Build(context.Background(), pipeline.BuildRequest{ContextDir: t.TempDir(), Dockerfile: "Dockerfile"})
			assert.Equal(t, err, again)
		})
	}
}

// A build whose context ends while the engine is being reached gives up at
// once, and the next build may try again.
func TestConnectGivesUpWithTheCaller(t *testing.T) {
	noSession(t)
	t.Setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://127.0.0.1:"+strconv.Itoa(closedPort(t)))
	t.Setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", script(t, "exec cat\n"))
	e := New()
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Build(ctx, pipeline.BuildRequest{ContextDir: t.TempDir(), Dockerfile: "Dockerfile"})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, err.Error(), "no Dagger engine could be reached", "the caller gave up; the engine was not found wanting")

	t.Setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", filepath.Join(t.TempDir(), "no-dagger"))
	_, err = e.Build(context.Background(), pipeline.BuildRequest{ContextDir: t.TempDir(), Dockerfile: "Dockerfile"})
	assert.ErrorContains(t, err, "no Dagger engine could be reached", "tried again")
}
