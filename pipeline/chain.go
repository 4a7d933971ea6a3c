package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// stageStep is one stage of an image's chain of stages — a Dockerfile image's
// dockerfile and imageSpec stages, a staged image's FROM and instruction
// stages: looked up by its digest and, only when the storage lacks it, made
// from the previous stage as stored and published under the stage lock. Every
// kind of stage goes through runStep, so they are found, logged, timed and
// published alike.
type stageStep struct {
	where  string // the stage in the log
	name   string // its name in the report
	digest string
	labels registry.StageLabels
	// make readies a missing stage (an engine build, a config change) and
	// returns what pushes it.
	make func(ctx context.Context) (registry.PushFunc, error)
	// own, when set, gives after make the stage's own labels, which only
	// making it tells (a Stapel stage's: its commits, imports, mounts).
	own func() map[string]string
	// quiet says nothing of a stage found: its image says it once for all.
	quiet bool
	// parent is the chain's previous stage, nil for the first: werf takes no
	// stage created before its parent.
	parent *registry.StageDesc
	// suitable, when set, chooses among the stored stages of the digest
	// (werf's SelectSuitableStageDesc); else the oldest is taken.
	suitable func(ctx context.Context, d *registry.StageDesc) (bool, error)
}

// selection is how the step chooses among stored stages of its digest.
func (s stageStep) selection() []registry.LookupOption {
	var opts []registry.LookupOption
	if s.parent != nil {
		opts = append(opts, registry.CreatedNotBefore(s.parent.ID.CreatedAt))
	}
	if s.suitable != nil {
		opts = append(opts, registry.Suitable(s.suitable))
	}
	return opts
}

// runStep finds or makes one stage.
func (b *Build) runStep(ctx context.Context, s stageStep) (stagedStage, error) {
	st := stagedStage{name: s.name}
	desc, err := b.lookup(ctx, s.digest, s.selection()...)
	if err != nil {
		return st, err
	}
	if desc != nil {
		st.desc = desc
		switch {
		case s.quiet:
		case desc.Origin == registry.OriginSecondary:
			fmt.Fprintf(b.Log, "%s: copied from a secondary repo to %s\n", s.where, desc.Ref)
		default:
			fmt.Fprintf(b.Log, "%s: up to date: %s\n", s.where, desc.Ref)
		}
		return st, nil
	}
	start := time.Now()
	push, err := s.make(ctx)
	if err != nil {
		return st, err
	}
	if s.own != nil {
		s.labels.Own = s.own()
	}
	desc, published, err := b.publish(ctx, s.digest, s.labels, push, s.selection()...)
	if err != nil {
		return st, err
	}
	st.desc, st.buildTime = desc, time.Since(start)
	if published {
		fmt.Fprintf(b.Log, "%s: published %s (%.2f seconds)\n", s.where, desc.Ref, st.buildTime.Seconds())
	} else {
		fmt.Fprintf(b.Log, "%s: another builder published %s first; using it\n", s.where, desc.Ref)
	}
	return st, nil
}
