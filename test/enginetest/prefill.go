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
	return PrefillEnv(t, dir, repo, nil, opts...)
}

// PrefillEnv is Prefill with werf.yaml's templates and the builds seeing env
// instead of the process's environment (nil: the process's).
func PrefillEnv(t testing.TB, dir, repo string, env map[string]string, opts ...pipeline.PlanOption) *pipeline.Report {
	t.Helper()
	var lookup func(string) (string, bool)
	if env != nil {
		lookup = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	}
	snap, err := source.Open(dir)
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{LookupEnv: lookup})
	require.NoError(t, err)
	plan, err := pipeline.NewPlan(cfg, opts...)
	require.NoError(t, err)
	storage, err := registry.New(cfg.Meta.Project, repo)
	require.NoError(t, err)
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: &Fake{}, LookupEnv: lookup}).Run(context.Background())
	require.NoError(t, err)
	return report
}
