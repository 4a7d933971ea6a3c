package registry

import (
	"context"
	"fmt"
	"maps"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ConfigChange makes a stage's image config from its base stage's; the config
// it is given is the base's own copy, free to change.
type ConfigChange func(*v1.ConfigFile) (*v1.ConfigFile, error)

// ConfigPush is a PushFunc for a stage that only changes the image config of
// the stage base (werf's imageSpec stage): the base's layers, a new config with
// the publishing stage's labels on top, pushed registry to registry. No layer
// moves: they are in --repo already, with the base.
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
		next, err := change(cfg.DeepCopy())
		if err != nil {
			return fmt.Errorf("the config of %s: %w", base.Ref, err)
		}
		next.Config.Labels = maps.Clone(next.Config.Labels)
		if next.Config.Labels == nil {
			next.Config.Labels = map[string]string{}
		}
		maps.Copy(next.Config.Labels, labels)
		out, err := mutate.ConfigFile(img, next)
		if err != nil {
			return err
		}
		return remote.Write(ref, out, remote.WithContext(ctx), remote.Reuse(s.primary.pusher))
	}
}
