package registry

import (
	"bytes"
	"context"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/dagwerf/dagwerf/stages"
)

// StageDesc describes a stored stage: its tag in --repo and the manifest under it.
// Its config (labels, platform) is read only when asked for, so that finding a
// stage costs one manifest read.
type StageDesc struct {
	ID       stages.StageID
	Ref      name.Tag      // in --repo
	Manifest v1.Descriptor // digest, size, media type
	ConfigID v1.Hash       // the image config's digest
	Origin   Origin        // how this run came to have it

	raw        []byte       // the manifest as read, for copying and tagging it elsewhere
	manifest   *v1.Manifest // raw, parsed
	layersSize int64
	from       *repo // where it was read: a cache repo, a secondary repo or --repo

	mu        sync.Mutex
	configRaw []byte         // once read
	config    *v1.ConfigFile // configRaw, parsed
}

func newStageDesc(id stages.StageID, primary, from *repo, d *remote.Descriptor) (*StageDesc, error) {
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, from.errorf("read "+id.String(), err)
	}
	var size int64
	for _, l := range m.Layers {
		size += l.Size
	}
	return &StageDesc{
		ID:         id,
		Ref:        primary.tag(id.String()),
		Manifest:   d.Descriptor,
		ConfigID:   m.Config.Digest,
		Origin:     OriginRepo,
		raw:        d.Manifest,
		manifest:   m,
		layersSize: size,
		from:       from,
	}, nil
}

// Config reads the stage's image config: labels, platform, history. The manifest
// read at lookup serves, so this costs one blob read, read with ctx; a config
// read is kept, a failure is not.
func (d *StageDesc) Config(ctx context.Context) (*v1.ConfigFile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.config != nil {
		return d.config, nil
	}
	raw, err := d.rawConfigLocked(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, d.from.errorf("read the config of "+d.ID.String(), err)
	}
	d.config = cfg
	return cfg, nil
}

// rawConfigLocked is the config blob, read once; d.mu is held.
func (d *StageDesc) rawConfigLocked(ctx context.Context) ([]byte, error) {
	if d.configRaw != nil {
		return d.configRaw, nil
	}
	raw, err := d.from.rawConfig(ctx, d.ConfigID)
	if err != nil {
		return nil, d.from.errorf("read the config of "+d.ID.String(), err)
	}
	d.configRaw = raw
	return raw, nil
}

// image is the stage's image, its blobs read with ctx from where it was found;
// its config is the one Config reads, read once.
func (d *StageDesc) image(ctx context.Context) (v1.Image, error) {
	return d.from.image(ctx, d.Manifest, d.raw, d.manifest, func() ([]byte, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.rawConfigLocked(ctx)
	})
}

// Image is the stage's image as the registry stores it, for reading its files
// (the checksum of a Stapel import): layers are read with ctx when asked for,
// from the repository the stage was found in.
func (d *StageDesc) Image(ctx context.Context) (v1.Image, error) { return d.image(ctx) }

// Origin is how a run came to have a stage.
type Origin string

const (
	OriginRepo      Origin = "repo"      // found in --repo (or a cache repo)
	OriginSecondary Origin = "secondary" // copied from a --secondary-repo
	OriginBuilt     Origin = "built"     // built and published by this run
)

// ImportValues are what the stage hands to images that import from it: its name in
// --repo, config digest and manifest digest.
func (d *StageDesc) ImportValues() stages.ImportValues {
	return stages.ImportValues{Name: d.Ref.Name(), ID: d.ConfigID.String(), Digest: d.Manifest.Digest.String()}
}

// LayersSize is the compressed size of the stage's layers, as werf reports it.
// The error is always nil: the size is the manifest's, read at lookup.
func (d *StageDesc) LayersSize() (int64, error) { return d.layersSize, nil }
