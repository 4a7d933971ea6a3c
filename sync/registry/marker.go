package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
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

// PushMarker writes under tag in --repo a record image (see recordImage).
func (s *Storage) PushMarker(ctx context.Context, tag string, labels map[string]string) error {
	return s.pushRecord(ctx, s.primary, tag, labels)
}

// pushRecord writes a record image under tag in r: its config and manifest,
// and the empty layer all records share once per run.
func (s *Storage) pushRecord(ctx context.Context, r *repo, tag string, labels map[string]string) error {
	img, err := recordImage(labels, s.recordTime())
	if err != nil {
		return r.errorf("make "+tag, err)
	}
	if err := s.pushRecordLayer(ctx, r, img); err != nil {
		return r.errorf("write "+tag, err)
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.Reuse(r.pusher)}
	raw, err := img.RawConfigFile()
	if err == nil {
		err = remote.WriteLayer(r.name, static.NewLayer(raw, types.DockerConfigJSON), opts...)
	}
	if err == nil {
		err = remote.Put(r.tag(tag), img, opts...) // the tag is new: no check first
	}
	if err != nil {
		return r.errorf("write "+tag, err)
	}
	r.tags.added(tag)
	return nil
}

// pushRecordLayer writes the empty layer of records into r unless this run did.
func (s *Storage) pushRecordLayer(ctx context.Context, r *repo, img v1.Image) error {
	s.recordMu.Lock()
	done := s.recordLayers[r]
	s.recordMu.Unlock()
	if done {
		return nil
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		if err := remote.WriteLayer(r.name, l, remote.WithContext(ctx), remote.Reuse(r.pusher)); err != nil {
			return err
		}
	}
	s.recordMu.Lock()
	s.recordLayers[r] = true
	s.recordMu.Unlock()
	return nil
}

// recordImage is the image werf keeps its records in: a Docker image of one
// empty layer whose config carries only labels and the time it was made. The
// time (to the nanosecond) makes every record's manifest its own: werf's cleanup
// deletes records by manifest digest, and two tags sharing one would go together.
func recordImage(labels map[string]string, created time.Time) (v1.Image, error) {
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(emptyTar())), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	return editConfig(img, func(cfg *v1.ConfigFile) {
		cfg.Created = v1.Time{Time: created}
		cfg.Config.Labels = labels
	})
}

// editConfig is img with its config changed by edit (on a copy).
func editConfig(img v1.Image, edit func(*v1.ConfigFile)) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	edit(cfg)
	return mutate.ConfigFile(img, cfg)
}

// emptyTar is a valid tar archive of nothing.
func emptyTar() []byte {
	var b bytes.Buffer
	_ = tar.NewWriter(&b).Close()
	return b.Bytes()
}
