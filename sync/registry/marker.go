package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"io"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Tags lists --repo's tags: the run's listing, or a fresh one.
func (s *Storage) Tags(ctx context.Context, fresh bool) ([]string, error) {
	get := s.primary.tags.get
	if fresh {
		get = s.primary.tags.fresh
	}
	set, err := get(ctx)
	if err != nil {
		return nil, err
	}
	return set.tags(), nil
}

// PushMarker writes under tag the image werf uses for records in a repository:
// one empty layer, and a config that carries only labels.
func (s *Storage) PushMarker(ctx context.Context, tag string, labels map[string]string) error {
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(emptyTar())), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.Created.Time = s.o.now().UTC()
	cfg.Config.Labels = labels
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	if err := remote.Write(s.primary.tag(tag), img, remote.WithContext(ctx), remote.Reuse(s.primary.pusher)); err != nil {
		return s.primary.errorf("write "+tag, err)
	}
	s.primary.tags.added(tag)
	return nil
}

// emptyTar is a valid tar archive of nothing.
func emptyTar() []byte {
	var b bytes.Buffer
	_ = tar.NewWriter(&b).Close()
	return b.Bytes()
}
