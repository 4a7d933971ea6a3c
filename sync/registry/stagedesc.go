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

	raw  *remote.Descriptor // the manifest as read, for tagging it elsewhere
	from *repo              // where it was read: a cache repo or --repo

	once   sync.Once
	config *v1.ConfigFile
	err    error
}

func newStageDesc(id stages.StageID, primary, from *repo, d *remote.Descriptor) (*StageDesc, error) {
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, from.errorf("read "+id.String(), err)
	}
	return &StageDesc{
		ID:       id,
		Ref:      primary.tag(id.String()),
		Manifest: d.Descriptor,
		ConfigID: m.Config.Digest,
		Origin:   OriginRepo,
		raw:      d,
		from:     from,
	}, nil
}

// Config reads the stage's image config: labels, platform, history. The manifest
// read at lookup serves, so this costs one blob read.
func (d *StageDesc) Config(ctx context.Context) (*v1.ConfigFile, error) {
	d.once.Do(func() {
		img, err := d.raw.Image()
		if err == nil {
			d.config, err = img.ConfigFile()
		}
		if err != nil {
			d.err = d.from.errorf("read the config of "+d.ID.String(), err)
		}
	})
	return d.config, d.err
}

// Labels are the stage image's labels.
func (d *StageDesc) Labels(ctx context.Context) (map[string]string, error) {
	cfg, err := d.Config(ctx)
	if err != nil {
		return nil, err
	}
	return cfg.Config.Labels, nil
}

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
func (d *StageDesc) LayersSize() (int64, error) {
	m, err := v1.ParseManifest(bytes.NewReader(d.raw.Manifest))
	if err != nil {
		return 0, err
	}
	var size int64
	for _, l := range m.Layers {
		size += l.Size
	}
	return size, nil
}
