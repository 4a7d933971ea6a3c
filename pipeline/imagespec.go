package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// runImageSpecStage addresses the imageSpec stage that follows a Dockerfile
// image's stage (r's last) and, if the storage lacks it, makes it as werf does:
// the previous stage's layers under a changed config, registry to registry. The
// engine is not involved.
func (b *Build) runImageSpecStage(ctx context.Context, t *Task, r *taskResult, prevDigest string) error {
	where := t.LogName(b.Plan, b.LogPretty) + " imageSpec"
	spec := t.Image.ImageSpec
	digest, err := imagespec.Digest(t.Platform, prevDigest, spec)
	if err != nil {
		return err
	}
	prev := r.desc
	labels := registry.StageLabels{
		Project:       b.Config.Meta.Project,
		Version:       b.Version,
		ContentDigest: imagespec.ContentDigest(t.Platform, digest),
		ParentStage:   prev.ID.String(),
		BaseImageID:   prev.ConfigID.String(),
	}
	change := b.imageSpecChange(t.Image, t.Platform)
	st, err := b.runStep(ctx, stageStep{
		where: where, name: stageImageSpec, digest: digest, labels: labels, parent: prev,
		make: func(context.Context) (registry.PushFunc, error) {
			fmt.Fprintf(b.Log, "%s: making stage %s from %s\n", where, digest, prev.Ref)
			return b.Storage.ConfigPush(prev, change), nil
		},
	})
	if err != nil {
		return fmt.Errorf("imageSpec stage: %w", err)
	}
	r.addStage(st.name, st.desc, st.buildTime)
	return nil
}

// imageSpecChange is the imageSpec stage's change of the previous stage's
// config. Its warnings are werf's global ones: each is said once a build.
func (b *Build) imageSpecChange(img *config.Image, platform string) registry.ConfigChange {
	return func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
		return imagespec.Apply(cfg, img.ImageSpec, imagespec.Options{
			Platform: platform,
			Project:  b.Config.Meta.Project,
			Image:    img.Name,
			Labels:   labels,
			Warn:     b.warnOnce,
		})
	}
}

// warnOnce says a warning the first time a build meets it.
func (b *Build) warnOnce(w string) {
	if _, said := b.warned.LoadOrStore(w, true); !said {
		fmt.Fprintf(b.Log, "Warning: %s\n", w)
	}
}
