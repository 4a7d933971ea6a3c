//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signalHelper is the process TestSecondSignalEnds signals: it cancels on the
// first signal, then works on without watching its context, as rendering
// werf.yaml does, and gives up (exit 3) after a while if nothing ends it.
func signalHelper() {
	ctx, stop := signalContext()
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("cancelled")
	time.Sleep(10 * time.Second)
	os.Exit(3)
}

func TestMain(m *testing.M) {
	if os.Getenv("DAGWERF_SIGNAL_HELPER") == "1" {
		signalHelper()
	}
	os.Exit(m.Run())
}

// The first Ctrl-C (or SIGTERM) cancels the context; a second ends dagwerf even
// in work that does not watch the context.
func TestSecondSignalEnds(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "DAGWERF_SIGNAL_HELPER=1")
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(out)
			next := func() string {
				if !lines.Scan() {
					return ""
				}
				return lines.Text()
			}
			require.Equal(t, "ready", next())
			require.NoError(t, cmd.Process.Signal(sig))
			require.Equal(t, "cancelled", next())
			require.NoError(t, cmd.Process.Signal(sig))

			err = cmd.Wait()
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "the process ends: %v", err)
			status, ok := exit.Sys().(syscall.WaitStatus)
			require.True(t, ok)
			assert.True(t, status.Signaled(), "ended by the second signal, not exit code %d", status.ExitStatus())
			assert.Equal(t, sig, status.Signal())
		})
	}
}
