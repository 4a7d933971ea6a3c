package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/dagwerf/dagwerf/stages"
)

// Lookup finds the stage of a digest: the oldest usable one in --repo, read from
// the first --cache-repo that has it (a cache repo that lacks it is filled), or
// failing that the oldest in a --secondary-repo, copied into --repo. It returns
// nil and no error when no repository has the stage.
//
// --repo is listed once per run; a digest it does not have costs no request.
func (s *Storage) Lookup(ctx context.Context, digest string) (*StageDesc, error) {
	tags, err := s.primary.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	if d, err := s.describeOldest(ctx, tags.stageIDs(digest)); d != nil || err != nil {
		return d, err
	}
	for _, sec := range s.secondaries {
		secTags, err := sec.tags.get(ctx)
		if err != nil {
			return nil, err
		}
		if ids := secTags.stageIDs(digest); len(ids) > 0 {
			return s.copyFromSecondary(ctx, sec, digest, ids[0])
		}
	}
	return nil, nil
}

// describeOldest describes the first of the stage IDs that can be read; a tag whose
// manifest is gone or is not an image is passed over with a warning.
func (s *Storage) describeOldest(ctx context.Context, ids []stages.StageID) (*StageDesc, error) {
	for _, id := range ids {
		d, err := s.describe(ctx, id)
		if errors.Is(err, errUnusable) {
			s.warnf("ignoring stage %s: %v", s.primary.tag(id.String()), err)
			continue
		}
		return d, err
	}
	return nil, nil
}

var errUnusable = errors.New("unusable stage")

// describe reads a stage's manifest from the first cache repo that has it, else
// from --repo, then fills the cache repos that lacked it.
func (s *Storage) describe(ctx context.Context, id stages.StageID) (*StageDesc, error) {
	tag := id.String()
	var missing []*repo
	for _, c := range s.caches {
		d, err := c.get(ctx, tag)
		if err == nil && isImageManifest(d.MediaType) {
			return newStageDesc(id, s.primary, c, d)
		}
		if err != nil && !isNotFound(err) {
			s.warnf("%v (reading --repo instead)", err)
		}
		missing = append(missing, c)
	}
	d, err := s.primary.get(ctx, tag)
	switch {
	case isNotFound(err):
		return nil, fmt.Errorf("%w: its manifest is gone", errUnusable)
	case err != nil:
		return nil, err
	case !isImageManifest(d.MediaType):
		return nil, fmt.Errorf("%w: %s is not an image manifest", errUnusable, d.MediaType)
	}
	desc, err := newStageDesc(id, s.primary, s.primary, d)
	if err != nil {
		return nil, err
	}
	s.fillCaches(ctx, tag, missing)
	return desc, nil
}

// fillCaches copies a stage into cache repos; a cache that cannot be filled is a
// warning, never a failed build.
func (s *Storage) fillCaches(ctx context.Context, tag string, caches []*repo) {
	for _, c := range caches {
		if err := c.copyFrom(ctx, s.primary, tag); err != nil {
			s.warnf("cannot fill the cache repo: %v", err)
			continue
		}
		c.tags.added(tag)
	}
}

// copyFromSecondary copies a secondary repo's stage into --repo under the same
// tag, under the stage lock, unless --repo got the digest meanwhile.
func (s *Storage) copyFromSecondary(ctx context.Context, sec *repo, digest string, id stages.StageID) (*StageDesc, error) {
	held, release, err := s.o.locker.LockStage(ctx, s.project, digest)
	if err != nil {
		return nil, fmt.Errorf("lock stage %s: %w", digest, err)
	}
	defer release()
	tags, err := s.primary.tags.fresh(held)
	if err != nil {
		return nil, err
	}
	if d, err := s.describeOldest(held, tags.stageIDs(digest)); d != nil || err != nil {
		return d, err
	}
	tag := id.String()
	if err := s.primary.copyFrom(held, sec, tag); err != nil {
		return nil, leaseError(held, err)
	}
	s.primary.tags.added(tag)
	d, err := s.primary.get(held, tag)
	if err != nil {
		return nil, leaseError(held, err)
	}
	desc, err := newStageDesc(id, s.primary, s.primary, d)
	if err != nil {
		return nil, err
	}
	desc.Origin = OriginSecondary
	release()
	s.fillCaches(ctx, tag, s.caches)
	return desc, nil
}

// leaseError reports a lost lock rather than the cancellation it caused.
func leaseError(held context.Context, err error) error {
	if cause := context.Cause(held); cause != nil && held.Err() != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}
