package pipeline

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// Operations a build times, named as werf v2's report names its own where they
// are the same work ("image build"), else for what dagwerf does.
const (
	opLookup  = "stage lookup"        // the registry asked for a stage (the tag listing, a manifest)
	opBuild   = "image build"         // the engine builds a stage
	opPublish = "stage publish"       // stage lock, re-check, push (or a config-only stage made)
	opDigest  = "stage digest"        // an image's digest computed: Dockerfile, context checksums
	opExplain = "rebuild explanation" // what changed since the image's earlier build
)

// Stage cache events, as werf's report counts them.
const (
	eventFound  = "found in repo stages storage"
	eventCopied = "copied from secondary storage"
	eventBuilt  = "built"
)

// operations collects how long each kind of operation took, for the report.
type operations struct {
	mu        sync.Mutex
	intervals map[string][]interval
	events    map[string]int
}

type interval struct{ start, end time.Time }

// observe starts timing one operation; the function it returns ends it.
func (o *operations) observe(op string) func() {
	start := time.Now()
	return func() {
		end := time.Now()
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.intervals == nil {
			o.intervals = map[string][]interval{}
		}
		o.intervals[op] = append(o.intervals[op], interval{start, end})
	}
}

func (o *operations) count(event string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.events == nil {
		o.events = map[string]int{}
	}
	o.events[event]++
}

// summary is werf's Operations record per operation: how many, their total
// time, the wall time they covered (overlaps counted once), average and longest.
func (o *operations) summary() (map[string]ReportOperation, map[string]int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ops := make(map[string]ReportOperation, len(o.intervals))
	for op, ivs := range o.intervals {
		var total, longest time.Duration
		for _, iv := range ivs {
			d := iv.end.Sub(iv.start)
			total += d
			longest = max(longest, d)
		}
		ops[op] = ReportOperation{
			Count: len(ivs), TotalTimeSeconds: total.Seconds(), WallTimeSeconds: wallTime(ivs).Seconds(),
			AvgTimeSeconds: (total / time.Duration(len(ivs))).Seconds(), MaxTimeSeconds: longest.Seconds(),
		}
	}
	events := make(map[string]int, len(o.events))
	for e, n := range o.events {
		events[e] = n
	}
	return ops, events
}

// wallTime is the time the intervals cover together.
func wallTime(ivs []interval) time.Duration {
	sorted := slices.Clone(ivs)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].start.Before(sorted[j].start) })
	var wall time.Duration
	var cur interval
	for i, iv := range sorted {
		switch {
		case i == 0:
			cur = iv
		case !iv.start.After(cur.end):
			if iv.end.After(cur.end) {
				cur.end = iv.end
			}
		default:
			wall += cur.end.Sub(cur.start)
			cur = iv
		}
	}
	if len(sorted) > 0 {
		wall += cur.end.Sub(cur.start)
	}
	return wall
}

// lookup asks the storage for a stage, timed and counted.
func (b *Build) lookup(ctx context.Context, digest string, opts ...registry.LookupOption) (*registry.StageDesc, error) {
	defer b.ops.observe(opLookup)()
	desc, err := b.Storage.Lookup(ctx, digest, opts...)
	switch {
	case desc == nil:
	case desc.Origin == registry.OriginSecondary:
		b.ops.count(eventCopied)
	default:
		b.ops.count(eventFound)
	}
	return desc, err
}

// publish stores a stage, timed and counted.
func (b *Build) publish(ctx context.Context, digest string, labels registry.StageLabels, push registry.PushFunc, opts ...registry.LookupOption) (*registry.StageDesc, bool, error) {
	defer b.ops.observe(opPublish)()
	desc, published, err := b.Storage.Publish(ctx, digest, labels, push, opts...)
	switch {
	case err != nil:
	case published:
		b.ops.count(eventBuilt)
	default: // another builder stored it first
		b.ops.count(eventFound)
	}
	return desc, published, err
}

// engineShell asks the engine to run a Stapel user stage, timed.
func (b *Build) engineShell(ctx context.Context, sb ShellBuilder, req ShellRequest) (Built, error) {
	defer b.ops.observe(opBuild)()
	return sb.RunShell(ctx, req)
}

// engineBuild asks the engine for a stage, timed.
func (b *Build) engineBuild(ctx context.Context, req BuildRequest) (Built, error) {
	defer b.ops.observe(opBuild)()
	return b.Builder.Build(ctx, req)
}
