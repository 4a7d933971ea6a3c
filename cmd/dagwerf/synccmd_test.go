package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSynchronizationCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"synchronization", "--host", "127.0.0.1", "--port", "0"}, strings.NewReader(""), outW, &stderr, nil)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "synchronization server listening on ")
	require.True(t, ok, line)

	resp, err := http.Get(url + "/health")
	require.NoError(t, err)
	var health map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	resp.Body.Close()
	assert.Equal(t, "OK", health["status"])

	cancel() // SIGTERM
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	assert.Contains(t, stderr.String(), "path=/health")
}

func TestSynchronizationCommandErrors(t *testing.T) {
	_, stderr, code := dagwerf(t, nil, "synchronization", "--port", "70000")
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: --port 70000: not a port\n", stderr)
}
