package stapel

import (
	"context"
	"fmt"
)

// Lookup lists the stored stages of a digest (the stages storage's tags
// `<digest>-<millis>`, rejected ones left out) with their labels.
type Lookup func(ctx context.Context, digest string) ([]Candidate, error)

// Address walks a whole chain for a caller that only addresses (`dagwerf
// digest`): each stage is looked up, a suitable stored stage is taken as
// found, and a missing one as built now. With a lookup that finds nothing (or
// a nil lookup) the stages are exactly those a first build makes. It returns
// the non-empty stages in order; the last one is the image's.
func Address(ctx context.Context, c *Chain, lookup Lookup) ([]*Stage, error) {
	var out []*Stage
	for {
		s, err := c.Next(ctx)
		if err != nil {
			return out, err
		}
		if s == nil {
			return out, nil
		}
		out = append(out, s)
		var candidates []Candidate
		if lookup != nil {
			if candidates, err = lookup(ctx, s.Digest); err != nil {
				return out, fmt.Errorf("%s: look up stage %s (%s): %w", c.where(), s.LogName(), s.Digest, err)
			}
		}
		found, err := s.Select(ctx, candidates)
		if err != nil {
			return out, err
		}
		if found != nil {
			err = c.Found(s, *found)
		} else {
			_, err = c.Building(ctx, s)
		}
		if err != nil {
			return out, err
		}
	}
}
