package locks_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dagwerf/dagwerf/sync/locks"
)

// A test binary started with DAGWERF_LOCK_CHILD=1 is a builder in another process:
// it takes a stage lock, notes when it holds it, says "acquired", holds it a while
// (or until killed) and lets go.
func TestMain(m *testing.M) {
	if os.Getenv("DAGWERF_LOCK_CHILD") == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	addr, err := locks.ParseAddress(os.Getenv("CHILD_ADDR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	id := os.Getenv("CHILD_CLIENT_ID")
	l, err := locks.New(addr, locks.WithHomeDir(os.Getenv("CHILD_HOME")), locks.WithClientID(func(context.Context) (string, error) { return id, nil }))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	hold, _ := time.ParseDuration(os.Getenv("CHILD_HOLD"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, release, err := l.LockStage(ctx, "shop", strings.Repeat("a", 56))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	note(fmt.Sprintf("start %d %d", os.Getpid(), time.Now().UnixNano()))
	fmt.Println("acquired")
	time.Sleep(hold)
	note(fmt.Sprintf("end %d %d", os.Getpid(), time.Now().UnixNano()))
	release()
	return 0
}

// note appends a line to the shared log; O_APPEND keeps lines whole across processes.
func note(line string) {
	f, err := os.OpenFile(os.Getenv("CHILD_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

// childProcess is a running builder process.
type childProcess struct {
	cmd      *exec.Cmd
	acquired chan struct{}
}

func startChild(t *testing.T, env map[string]string) *childProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DAGWERF_LOCK_CHILD=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childProcess{cmd: cmd, acquired: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "acquired" {
				close(c.acquired)
			}
		}
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return c
}

func (c *childProcess) waitAcquired(t *testing.T) {
	t.Helper()
	select {
	case <-c.acquired:
	case <-time.After(30 * time.Second):
		t.Fatal("the child never acquired the lock")
	}
}
