package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/dagwerf/dagwerf/stages"
)

// Lookup finds the stage of a digest: the oldest usable one in --repo, read from
// the first --cache-repo that has it (a cache repo that lacks it is filled), or
// failing that the oldest usable one in a --secondary-repo, copied into --repo.
// It returns nil and no error when no repository has the stage.
//
// Options narrow the choice as werf's stage selection does.
//
// --repo is listed once per run; a digest it does not have costs no request.
func (s *Storage) Lookup(ctx context.Context, digest string, opts ...LookupOption) (*StageDesc, error) {
	sel := newSelection(opts)
	tags, err := s.primary.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	if d, err := s.describeOldest(ctx, tags.stageIDs(digest), sel); d != nil || err != nil {
		return d, err
	}
	for _, sec := range s.secondaries {
		secTags, err := sec.tags.get(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range sel.candidates(secTags.stageIDs(digest)) {
			d, err := s.copyFromSecondary(ctx, sec, digest, id, sel)
			if errors.Is(err, errUnusable) {
				s.warnf("ignoring stage %s: %v", sec.tag(id.String()), err)
				continue
			}
			return d, err
		}
	}
	return nil, nil
}

// describeOldest describes the first of the stage IDs that can be read and that
// the selection takes; a tag whose manifest is gone or is not an image is passed
// over with a warning.
func (s *Storage) describeOldest(ctx context.Context, ids []stages.StageID, sel selection) (*StageDesc, error) {
	for _, id := range sel.candidates(ids) {
		d, err := s.describe(ctx, id)
		if errors.Is(err, errUnusable) {
			s.warnf("ignoring stage %s: %v", s.primary.tag(id.String()), err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if ok, err := sel.accepts(ctx, d); !ok || err != nil {
			if err != nil {
				return nil, fmt.Errorf("select stage %s: %w", s.primary.tag(id.String()), err)
			}
			continue
		}
		return d, nil
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
		if c.down.Load() {
			continue
		}
		d, err := c.get(ctx, tag)
		if err == nil && isImageManifest(d.MediaType) {
			return newStageDesc(id, s.primary, c, d)
		}
		if err != nil && !isNotFound(err) {
			s.cacheFailed(ctx, c, err)
			continue
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
	s.fillCaches(ctx, desc, missing)
	return desc, nil
}

// fillCaches copies a stage into cache repos; a cache that cannot be filled is a
// warning, never a failed build. (Cache repos are never listed, so there is no
// tag list to update.)
func (s *Storage) fillCaches(ctx context.Context, desc *StageDesc, caches []*repo) {
	for _, c := range caches {
		if c.down.Load() {
			continue
		}
		if err := c.copyFrom(ctx, desc.ID.String(), desc); err != nil {
			s.cacheFailed(ctx, c, fmt.Errorf("cannot fill the cache repo: %w", err))
		}
	}
}

// cacheFailed sets aside for the rest of the run a cache repo that failed other
// than by lacking a stage (it is down, or refuses the credentials): once
// go-containerregistry's retries are spent, asking again for every stage only
// slows the build. A failure that is the caller's cancellation says nothing
// about the cache.
func (s *Storage) cacheFailed(ctx context.Context, c *repo, err error) {
	if ctx.Err() != nil {
		return
	}
	if c.down.CompareAndSwap(false, true) {
		s.warnf("%v (not using this cache repo for the rest of the run)", err)
	}
}

// copyFromSecondary copies a secondary repo's stage into --repo under the same
// tag, under the stage lock, unless --repo got the digest meanwhile. The
// manifest is read once, before the lock; a tag whose manifest is gone or is not
// an image is errUnusable.
func (s *Storage) copyFromSecondary(ctx context.Context, sec *repo, digest string, id stages.StageID, sel selection) (*StageDesc, error) {
	tag := id.String()
	d, err := sec.get(ctx, tag)
	switch {
	case isNotFound(err):
		return nil, fmt.Errorf("%w: its manifest is gone", errUnusable)
	case err != nil:
		return nil, err
	case !isImageManifest(d.MediaType):
		return nil, fmt.Errorf("%w: %s is not an image manifest", errUnusable, d.MediaType)
	}
	desc, err := newStageDesc(id, s.primary, sec, d)
	if err != nil {
		return nil, err
	}
	switch ok, err := sel.accepts(ctx, desc); {
	case err != nil:
		return nil, fmt.Errorf("select stage %s: %w", sec.tag(tag), err)
	case !ok:
		return nil, fmt.Errorf("%w: not suitable", errUnusable)
	}

	held, release, err := s.o.locker.LockStage(ctx, s.project, digest)
	if err != nil {
		return nil, fmt.Errorf("lock stage %s: %w", digest, err)
	}
	defer release()
	tags, err := s.primary.tags.fresh(held)
	if err != nil {
		return nil, leaseError(held, err)
	}
	if d, err := s.describeOldest(held, tags.stageIDs(digest), sel); d != nil || err != nil {
		return d, leaseError(held, err)
	}
	if err := s.primary.copyFrom(held, tag, desc); err != nil {
		return nil, leaseError(held, err)
	}
	s.primary.tags.added(tag)
	release()

	desc.from = s.primary // the same manifest, byte for byte
	desc.Origin = OriginSecondary
	s.fillCaches(ctx, desc, s.caches)
	return desc, nil
}

// leaseError reports a lost lock rather than the cancellation it caused.
func leaseError(held context.Context, err error) error {
	if cause := context.Cause(held); cause != nil && held.Err() != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}
