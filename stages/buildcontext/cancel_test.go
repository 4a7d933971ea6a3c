package buildcontext

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// descendAll enters every directory, calling entered before saying so.
type descendAll struct{ entered func(string) }

func (descendAll) Match(string) bool { return true }
func (m descendAll) Descend(p string) bool {
	m.entered(p)
	return true
}

func cancelRepo(t *testing.T) *Context {
	t.Helper()
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"a/1": "1", "b/2": "2", "c/3": "3", "d/4": "4", "Dockerfile": "FROM alpine\n"})
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	c, err := New(s, "", WithAddFiles("extra"))
	require.NoError(t, err)
	r.Write("extra/x", "x")
	return c
}

// The context walk stops at the next directory once its context is cancelled.
func TestLsTreeStopsWhenCancelled(t *testing.T) {
	c := cancelRepo(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var entered []string
	_, err := c.lsTree(ctx, descendAll{func(p string) {
		entered = append(entered, p)
		cancel() // Ctrl-C during the walk
	}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, entered, 1, "no directory entered after the cancellation")
}

// A checksum a cancelled context cut short is not remembered: asked again with a
// live context, it is computed.
func TestChecksumCancelledIsNotRemembered(t *testing.T) {
	c := cancelRepo(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Checksum(ctx, []string{"."})
	require.ErrorIs(t, err, context.Canceled)

	sum, err := c.Checksum(t.Context(), []string{"."})
	require.NoError(t, err)
	assert.Len(t, sum, 64)
}

func TestAddFilesAndUncommittedStopWhenCancelled(t *testing.T) {
	c := cancelRepo(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.addFilesChecksum(ctx, []string{"."})
	require.ErrorIs(t, err, context.Canceled)

	wt, err := source.Open(c.snap.ProjectDir(), source.WithWorktree())
	require.NoError(t, err)
	_, err = c.Uncommitted(ctx, wt, []string{"."})
	require.ErrorIs(t, err, context.Canceled)
	_, err = c.Uncommitted(t.Context(), wt, []string{"."})
	require.NoError(t, err)
}

var _ pathmatch.Matcher = descendAll{}
