package registry

import (
	"context"

	"github.com/dagwerf/dagwerf/stages"
)

// A LookupOption narrows which stored stages of a digest a lookup (or a
// publish's re-check) may take, as werf's stage selection does.
type LookupOption func(*selection)

// selection is werf's choice among the stages of one digest: oldest first,
// none older than the stage before it, and the first the stage finds suitable.
type selection struct {
	createdAfter int64
	suitable     func(ctx context.Context, d *StageDesc) (bool, error)
}

// CreatedNotBefore passes over stages created before millis, the creation time
// of the previous stage of the chain: werf never takes a stage older than its
// parent (GetStagesIDsByDigest's parentStageCreationTs), which can only exist
// when the parent was rebuilt after a cleanup.
func CreatedNotBefore(millis int64) LookupOption {
	return func(s *selection) { s.createdAfter = millis }
}

// Suitable takes, among the stages of a digest oldest first, the first for which
// f says yes — werf's SelectSuitableStageDesc, which for a Stapel git stage asks
// that the commits it recorded be ancestors of the ones built now. f may read
// the stage's config (labels): that read is made once per stage.
func Suitable(f func(ctx context.Context, d *StageDesc) (bool, error)) LookupOption {
	return func(s *selection) { s.suitable = f }
}

func newSelection(opts []LookupOption) selection {
	var s selection
	for _, o := range opts {
		o(&s)
	}
	return s
}

// candidates are the stage IDs the selection may consider, oldest first.
func (s selection) candidates(ids []stages.StageID) []stages.StageID {
	if s.createdAfter == 0 {
		return ids
	}
	out := make([]stages.StageID, 0, len(ids))
	for _, id := range ids {
		if id.CreatedAt >= s.createdAfter {
			out = append(out, id)
		}
	}
	return out
}

// accepts reports whether a described stage suits.
func (s selection) accepts(ctx context.Context, d *StageDesc) (bool, error) {
	if s.suitable == nil {
		return true, nil
	}
	return s.suitable(ctx, d)
}
