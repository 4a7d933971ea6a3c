package registry

import (
	"context"
	"fmt"
	"maps"
	"time"

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
		return s.pushChanged(ctx, ref, img, cfg, labels, change, base.Ref.String())
	}
}

// LayerPush is a PushFunc for a stage that adds layers to its base stage (a
// Stapel stage made without an engine, package pipeline/layer: git, imports,
// the from stage's emptied mount points) and changes its config. The base's
// layers are in --repo already, with the base, and are not moved: only the new
// layers, the config and the manifest are written. The new layers take the
// media type of the base's manifest kind (OCI or Docker).
func (s *Storage) LayerPush(base *StageDesc, layers []v1.Layer, change ConfigChange) PushFunc {
	return func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		out, err := appendLayers(ctx, base, layers)
		if err != nil {
			return err
		}
		cfg, err := out.ConfigFile() // the base's, with the new layers' diff IDs and history
		if err != nil {
			return fmt.Errorf("the config of %s: %w", base.Ref, err)
		}
		return s.pushChanged(ctx, ref, out, cfg, labels, change, base.Ref.String())
	}
}

// PushUntagged pushes base with layers added, its config otherwise as it is,
// into --repo by digest alone, and returns that digest's reference. It is no
// stage: it is where the engine runs a Stapel user stage whose files werf
// brings up to date before the commands (a git patch). No tag names it, so
// no lookup, build or cleanup of werf or dagwerf takes it for a stage; a
// registry's garbage collection of untagged manifests removes it. Only the
// new layers, the config and the manifest are written.
func (s *Storage) PushUntagged(ctx context.Context, base *StageDesc, layers []v1.Layer) (name.Digest, error) {
	out, err := appendLayers(ctx, base, layers)
	if err != nil {
		return name.Digest{}, err
	}
	d, err := out.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("the image over %s: %w", base.Ref, err)
	}
	ref := s.primary.name.Digest(d.String())
	if err := remote.Write(ref, out, remote.WithContext(ctx), remote.Reuse(s.primary.pusher)); err != nil {
		return name.Digest{}, s.primary.errorf("push "+d.String(), err)
	}
	return ref, nil
}

// appendLayers is base with layers added, of the media type of the base's
// manifest kind (OCI or Docker).
func appendLayers(ctx context.Context, base *StageDesc, layers []v1.Layer) (v1.Image, error) {
	img, err := base.image(ctx)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("add layers to %s: %w", base.Ref, err)
	}
	return out, nil
}

// ImagePush is a PushFunc for a stage made from an image that is no stage: a
// Stapel image's registry base (`from:`), or ScratchImage. The image's layers
// are copied into --repo with the stage.
func (s *Storage) ImagePush(img v1.Image, change ConfigChange) PushFunc {
	return func(ctx context.Context, ref name.Tag, labels map[string]string) error {
		cfg, err := img.ConfigFile()
		if err != nil {
			return err
		}
		return s.pushChanged(ctx, ref, img, cfg, labels, change, "the base image")
	}
}

// pushChanged pushes img to ref with the config change makes of cfg. The
// stage is created now: werf's cleanup keeps what was built within its last
// hours by the config's created time, and a stage made from an older one
// must not look old to a cleanup that runs beside the build.
func (s *Storage) pushChanged(ctx context.Context, ref name.Tag, img v1.Image, cfg *v1.ConfigFile, labels map[string]string, change ConfigChange, what string) error {
	next, err := change(cfg.DeepCopy(), labels)
	if err != nil {
		return fmt.Errorf("the config of %s: %w", what, err)
	}
	next.Created = v1.Time{Time: s.o.now().UTC()}
	out, err := mutate.ConfigFile(img, next)
	if err != nil {
		return err
	}
	return remote.Write(ref, out, remote.WithContext(ctx), remote.Reuse(s.primary.pusher))
}

// AddLabels is the ConfigChange of a stage that changes nothing else: the
// labels it is published with added to the base's.
func AddLabels(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
	if cfg.Config.Labels == nil {
		cfg.Config.Labels = map[string]string{}
	}
	maps.Copy(cfg.Config.Labels, labels)
	return cfg, nil
}

// ScratchImage is werf's `from: scratch` stage before its labels: an image of
// nothing for a platform, one empty layer as a build from scratch commits it.
func ScratchImage(platform string) (v1.Image, error) {
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, fmt.Errorf("platform %q: %w", platform, err)
	}
	img, err := recordImage(nil, time.Time{})
	if err != nil {
		return nil, err
	}
	return editConfig(img, func(cfg *v1.ConfigFile) { cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant })
}
