package pipeline

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// runImageSpecStage addresses the imageSpec stage that follows a Dockerfile
// image's stage (r's last) and, if the storage lacks it, makes it as werf does:
// the previous stage's layers under a changed config, registry to registry. The
// engine is not involved.
func (b *Build) runImageSpecStage(ctx context.Context, t *Task, r *taskResult, prevDigest string) error {
	name := t.LogName(b.Plan, b.LogPretty)
	spec := t.Image.ImageSpec
	digest, err := imagespec.Digest(t.Platform, prevDigest, spec)
	if err != nil {
		return err
	}
	desc, err := b.lookup(ctx, digest)
	if err != nil {
		return err
	}
	if desc != nil {
		r.addStage(stageImageSpec, desc, 0)
		fmt.Fprintf(b.Log, "%s: up to date: %s (imageSpec)\n", name, desc.Ref)
		return nil
	}

	start := time.Now()
	prev := r.desc
	labels := registry.StageLabels{
		Project:       b.Config.Meta.Project,
		Version:       b.Version,
		ContentDigest: imagespec.ContentDigest(t.Platform, digest),
		ParentStage:   prev.ID.String(),
		BaseImageID:   prev.ConfigID.String(),
	}
	change := func(cfg *v1.ConfigFile, _ map[string]string) (*v1.ConfigFile, error) {
		return imagespec.Apply(cfg, spec, imagespec.Options{
			Platform: t.Platform,
			Project:  b.Config.Meta.Project,
			Image:    t.Image.Name,
			Labels: imagespec.ServiceLabels{
				Project: labels.Project, Version: labels.Version, ContentDigest: labels.ContentDigest,
				ParentStageID: labels.ParentStage, BaseImageID: labels.BaseImageID,
			},
			Warn: func(w string) { fmt.Fprintf(b.Log, "%s: warning: %s\n", name, w) },
		})
	}
	desc, published, err := b.publish(ctx, digest, labels, b.Storage.ConfigPush(prev, change))
	if err != nil {
		return fmt.Errorf("imageSpec stage: %w", err)
	}
	r.addStage(stageImageSpec, desc, time.Since(start))
	if published {
		fmt.Fprintf(b.Log, "%s: published %s (imageSpec, %.2f seconds)\n", name, desc.Ref, time.Since(start).Seconds())
	} else {
		fmt.Fprintf(b.Log, "%s: another builder published %s first; using it\n", name, desc.Ref)
	}
	return nil
}
