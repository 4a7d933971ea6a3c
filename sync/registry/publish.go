package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/stages"
)

// PushFunc pushes a built image to ref carrying these labels, as one image
// manifest (not an index). The Dagger executor's calls Container.Publish; tests
// push with go-containerregistry.
type PushFunc func(ctx context.Context, ref name.Tag, labels map[string]string) error

// Publish stores a newly built stage unless another builder stored the digest
// first: under the stage lock it lists --repo afresh and takes the oldest stage
// there if there is one; else it tags the stage `<digest>-<millis>`, pushes it and
// reads it back. Then it fills the cache repos. published reports whether this
// call pushed the stage. Options choose among stored stages as for Lookup.
func (s *Storage) Publish(ctx context.Context, digest string, labels StageLabels, push PushFunc, opts ...LookupOption) (desc *StageDesc, published bool, err error) {
	held, release, err := s.o.locker.LockStage(ctx, s.project, digest)
	if err != nil {
		return nil, false, fmt.Errorf("lock stage %s: %w", digest, err)
	}
	defer release()

	tags, err := s.primary.tags.fresh(held)
	if err != nil {
		return nil, false, leaseError(held, err)
	}
	if d, err := s.describeOldest(held, tags.stageIDs(digest), newSelection(opts)); d != nil || err != nil {
		return d, false, leaseError(held, err)
	}

	id := stages.NewStageID(digest, s.o.now().UTC())
	tag := id.String()
	if err := push(held, s.primary.tag(tag), labels.Map()); err != nil {
		return nil, false, leaseError(held, fmt.Errorf("push %s: %w", s.primary.tag(tag), err))
	}
	s.primary.tags.added(tag)
	d, err := s.primary.get(held, tag)
	if err != nil {
		return nil, false, leaseError(held, err)
	}
	if !isImageManifest(d.MediaType) {
		return nil, false, fmt.Errorf("push %s: the registry holds a %s, not an image manifest: a stage must be a single-platform image", s.primary.tag(tag), d.MediaType)
	}
	if desc, err = newStageDesc(id, s.primary, s.primary, d); err != nil {
		return nil, false, err
	}
	desc.Origin = OriginBuilt
	release()
	s.fillCaches(ctx, desc, s.caches)
	return desc, true, nil
}
