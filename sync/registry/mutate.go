package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ConfigChange makes a stage's image config from its base stage's config (a
// copy, free to change) and the labels the stage is published with, which the
// change places: it decides what of the base's labels stays.
type ConfigChange func(base *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error)

// ConfigPush is a PushFunc for a stage that only changes the image config of
// the stage base (werf's imageSpec stage): the base's layers and a new config,
// pushed registry to registry. No layer moves: they are in --repo already, with
// the base.
func (s *Storage) ConfigPush(base *StageDesc, change ConfigChange) PushFunc {
	return func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		img, err := base.image(ctx)
		if err != nil {
			return err
		}
		cfg, err := base.Config(ctx)
		if err != nil {
			return err
		}
		next, err := change(cfg.DeepCopy(), labels)
		if err != nil {
			return fmt.Errorf("the config of %s: %w", base.Ref, err)
		}
		out, err := mutate.ConfigFile(img, next)
		if err != nil {
			return err
		}
		return remote.Write(ref, out, remote.WithContext(ctx), remote.Reuse(s.primary.pusher))
	}
}

// LayerPush is a PushFunc for a stage that adds layers to its base stage (a
// Stapel stage made without an engine, package pipeline/layer): the base's
// layers, then the new ones, and a config made by change from the one they
// give (with the new layers' diff IDs and history), pushed registry to
// registry. The base's layers are in --repo already, with the base, and are not
// moved: only the new layers, the config and the manifest are written. The new
// layers take the media type of the base's manifest kind (OCI or Docker).
func (s *Storage) LayerPush(base *StageDesc, layers []v1.Layer, change ConfigChange) PushFunc {
	return func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		img, err := base.image(ctx)
		if err != nil {
			return err
		}
		mt := types.DockerLayer
		if base.Manifest.MediaType == types.OCIManifestSchema1 {
			mt = types.OCILayer
		}
		adds := make([]mutate.Addendum, len(layers))
		for i, l := range layers {
			adds[i] = mutate.Addendum{Layer: l, MediaType: mt}
		}
		out, err := mutate.Append(img, adds...)
		if err != nil {
			return fmt.Errorf("add layers to %s: %w", base.Ref, err)
		}
		cfg, err := out.ConfigFile()
		if err != nil {
			return fmt.Errorf("the config of %s: %w", base.Ref, err)
		}
		next, err := change(cfg.DeepCopy(), labels)
		if err != nil {
			return fmt.Errorf("the config of %s: %w", base.Ref, err)
		}
		if out, err = mutate.ConfigFile(out, next); err != nil {
			return err
		}
		return remote.Write(ref, out, remote.WithContext(ctx), remote.Reuse(s.primary.pusher))
	}
}
