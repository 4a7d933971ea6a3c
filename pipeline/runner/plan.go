package runner

import (
	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
)

// Plan chooses what a build covers and how it runs.
type Plan struct {
	Platforms []string // override werf.yaml's
	Parallel  bool
	Limit     int // at most this many images at once; ≤0 is no limit
	FinalOnly bool
}

// DefaultPlan is what a build does when nothing is said: in parallel, werf's
// limit.
var DefaultPlan = Plan{Parallel: true, Limit: pipeline.DefaultParallelTasksLimit}

// Make plans the images (names or globs; none is all) of cfg.
func (p Plan) Make(cfg *config.Config, images []string) (*pipeline.Plan, error) {
	opts := []pipeline.PlanOption{
		pipeline.WithImages(images...),
		pipeline.WithPlatforms(p.Platforms...),
		pipeline.WithParallelism(p.Parallel, p.Limit),
	}
	if p.FinalOnly {
		opts = append(opts, pipeline.WithFinalImagesOnly())
	}
	return pipeline.NewPlan(cfg, opts...)
}
