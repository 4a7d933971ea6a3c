package enginetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Prefill builds the project committed in dir into repo with the stand-in
// engine, as an earlier run would have, and returns that run's report. Plan
// options narrow that run, e.g. to one platform, as a runner per platform does.
func Prefill(t testing.TB, dir, repo string, opts ...pipeline.PlanOption) *pipeline.Report {
	t.Helper()
	snap, err := source.Open(dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(t, err)
	plan, err := pipeline.NewPlan(cfg, opts...)
	require.NoError(t, err)
	storage, err := registry.New(cfg.Meta.Project, repo)
	require.NoError(t, err)
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: &Fake{}}).Run(context.Background())
	require.NoError(t, err)
	return report
}
