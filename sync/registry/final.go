package registry

import (
	"context"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifest is what is stored under a tag of --repo: a stage or a manifest list.
type Manifest interface {
	// Reference is its tag in --repo: `<digest>-<millis>`, or a manifest list's digest.
	Reference() name.Tag
	// Descriptor is its manifest's digest, size and media type.
	Descriptor() v1.Descriptor
	manifestBytes() []byte
	// contents is the manifest with what it refers to, as a copy writes it, and
	// the repository it was read from; blobs are read with ctx.
	contents(ctx context.Context) (remote.Taggable, *repo, error)
}

func (d *StageDesc) Reference() name.Tag       { return d.Ref }
func (d *StageDesc) Descriptor() v1.Descriptor { return d.Manifest }
func (d *StageDesc) manifestBytes() []byte     { return d.raw }

func (d *StageDesc) contents(ctx context.Context) (remote.Taggable, *repo, error) {
	img, err := d.image(ctx)
	return img, d.from, err
}

func (d *ManifestListDesc) Reference() name.Tag       { return d.Ref }
func (d *ManifestListDesc) Descriptor() v1.Descriptor { return d.Manifest }
func (d *ManifestListDesc) manifestBytes() []byte     { return d.raw }

// contents is the list with its stages' images, as this run read them.
func (d *ManifestListDesc) contents(ctx context.Context) (remote.Taggable, *repo, error) {
	byDigest := make(map[v1.Hash]*StageDesc, len(d.Stages))
	for _, s := range d.Stages {
		byDigest[s.Manifest.Digest] = s
	}
	return &storedIndex{ctx: ctx, from: d.from, desc: d.Manifest, raw: d.raw, stages: byDigest}, d.from, nil
}

// CopyToFinal copies a final image into --final-repo under its tag, registry to
// registry, unless the final repo (listed once per run) has it. The copy keeps
// the manifest byte for byte, so its digest is the same. It returns the final
// reference; without --final-repo, the reference in --repo.
func (s *Storage) CopyToFinal(ctx context.Context, m Manifest) (name.Tag, error) {
	if s.final == nil {
		return s.primary.tag(m.Reference().TagStr()), nil
	}
	tags, err := s.final.tags.get(ctx)
	if err != nil {
		return name.Tag{}, err
	}
	if !tags.has(m.Reference().TagStr()) {
		if err := s.final.copyFrom(ctx, m.Reference().TagStr(), m); err != nil {
			return name.Tag{}, err
		}
		s.final.tags.added(m.Reference().TagStr())
	}
	return s.final.tag(m.Reference().TagStr()), nil
}

// AddTags tags a final image with custom tags in --final-repo when there is one,
// else in --repo, registry-side: the manifest is written under each tag, nothing
// else is copied. CopyToFinal must have run for a final repo.
func (s *Storage) AddTags(ctx context.Context, m Manifest, tags ...string) ([]name.Tag, error) {
	target := s.primary
	if s.final != nil {
		target = s.final
	}
	var refs []name.Tag
	for _, t := range tags {
		if err := target.put(ctx, t, rawManifest{data: m.manifestBytes(), mediaType: types.MediaType(m.Descriptor().MediaType)}); err != nil {
			return refs, err
		}
		target.tags.added(t)
		refs = append(refs, target.tag(t))
	}
	return refs, nil
}
