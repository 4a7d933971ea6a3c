package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Images and indexes over manifests this run has already read, for copying them
// registry to registry without reading the manifest again. Their blobs are read
// with the context of the copy, never with the one the manifest was read with
// (go-containerregistry's remote.Descriptor keeps that one, and a stage lock's
// context is cancelled at release).

// blob reads one blob of the repository; the digest is checked as it is read.
func (r *repo) blob(ctx context.Context, h v1.Hash) (io.ReadCloser, error) {
	l, err := r.puller.Layer(ctx, r.name.Digest(h.String()))
	if err != nil {
		return nil, err
	}
	return l.Compressed()
}

// rawConfig reads an image config blob, to its end, where the digest is checked.
func (r *repo) rawConfig(ctx context.Context, h v1.Hash) ([]byte, error) {
	rc, err := r.blob(ctx, h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// image is the image of a manifest read from r; ctx reads its blobs. Its
// layers can be mounted from r by a registry that has r.
// config, when not nil, gives the config blob (a stage's, read once).
func (r *repo) image(ctx context.Context, desc v1.Descriptor, raw []byte, m *v1.Manifest, config func() ([]byte, error)) (v1.Image, error) {
	core := &storedImage{ctx: ctx, from: r, mediaType: desc.MediaType, raw: raw, m: m, config: config}
	img, err := partial.CompressedToImage(core)
	if err != nil {
		return nil, err
	}
	return &mountableImage{Image: img, core: core, ref: r.name.Digest(desc.Digest.String())}, nil
}

// storedImage is partial.CompressedImageCore over a manifest already read.
type storedImage struct {
	ctx       context.Context
	from      *repo
	mediaType types.MediaType
	raw       []byte
	m         *v1.Manifest
	config    func() ([]byte, error) // nil: read from the repository
}

func (i *storedImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *storedImage) RawManifest() ([]byte, error)        { return i.raw, nil }

func (i *storedImage) RawConfigFile() ([]byte, error) {
	if i.config != nil {
		return i.config()
	}
	return i.from.rawConfig(i.ctx, i.m.Config.Digest)
}

func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return i.layer(i.m.Config), nil
	}
	for _, l := range i.m.Layers {
		if l.Digest == h {
			return i.layer(l), nil
		}
	}
	return nil, fmt.Errorf("blob %s is not in the manifest", h)
}

// ConfigLayer keeps partial.ConfigLayer from reading the config to copy it.
func (i *storedImage) ConfigLayer() (v1.Layer, error) {
	return partial.CompressedToLayer(i.layer(i.m.Config))
}

func (i *storedImage) layer(d v1.Descriptor) storedBlob {
	return storedBlob{ctx: i.ctx, from: i.from, desc: d}
}

// storedBlob is a blob the manifest describes: its size and media type are the
// manifest's, and only its content is read.
type storedBlob struct {
	ctx  context.Context
	from *repo
	desc v1.Descriptor
}

func (b storedBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b storedBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b storedBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b storedBlob) Compressed() (io.ReadCloser, error)  { return b.from.blob(b.ctx, b.desc.Digest) }

// mountableImage marks an image's blobs as mountable from where it was read,
// as go-containerregistry's remote images are, so that a copy within one
// registry moves no blob.
type mountableImage struct {
	v1.Image
	core *storedImage
	ref  name.Reference
}

func (m *mountableImage) mountable(l v1.Layer) v1.Layer {
	return &remote.MountableLayer{Layer: l, Reference: m.ref}
}

func (m *mountableImage) Layers() ([]v1.Layer, error) {
	ls, err := m.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = m.mountable(l)
	}
	return out, nil
}

func (m *mountableImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := m.Image.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	return m.mountable(l), nil
}

func (m *mountableImage) ConfigLayer() (v1.Layer, error) {
	l, err := m.core.ConfigLayer()
	if err != nil {
		return nil, err
	}
	return m.mountable(l), nil
}

// storedIndex is a manifest list already read, whose images are stages this
// run has described; an image it lists that the run has not is read from its
// repository.
type storedIndex struct {
	ctx    context.Context
	from   *repo
	desc   v1.Descriptor
	raw    []byte
	stages map[v1.Hash]*StageDesc
}

func (x *storedIndex) MediaType() (types.MediaType, error) { return x.desc.MediaType, nil }
func (x *storedIndex) Digest() (v1.Hash, error)            { return x.desc.Digest, nil }
func (x *storedIndex) Size() (int64, error)                { return x.desc.Size, nil }
func (x *storedIndex) RawManifest() ([]byte, error)        { return x.raw, nil }

func (x *storedIndex) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(x.raw))
}

func (x *storedIndex) Image(h v1.Hash) (v1.Image, error) {
	if d, ok := x.stages[h]; ok {
		return d.image(x.ctx)
	}
	d, err := x.from.puller.Get(x.ctx, x.from.name.Digest(h.String()))
	if err != nil {
		return nil, err
	}
	if !isImageManifest(d.MediaType) {
		return nil, fmt.Errorf("%s is a %s, not an image manifest", h, d.MediaType)
	}
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, err
	}
	return x.from.image(x.ctx, d.Descriptor, d.Manifest, m, nil)
}

func (x *storedIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("%s: a stage manifest list lists images only", h)
}
