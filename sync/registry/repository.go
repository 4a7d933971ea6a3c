package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Repository is a repository that is no part of a stages storage but is
// spoken to as one is (credentials, plain-HTTP hosts, retries, timeouts): the
// repositories a Deckhouse module is released to. It is read and written tag
// by tag, registry to registry; it is never listed.
type Repository struct{ r *repo }

// OpenRepository opens a repository by address; role names it in errors
// (e.g. "release repository"). Nothing is requested until it is used.
func OpenRepository(role, address string, opts ...Option) (*Repository, error) {
	r, err := newRepo(newOptions(opts), role, address)
	if err != nil {
		return nil, err
	}
	return &Repository{r: r}, nil
}

// Address is the repository as given.
func (r *Repository) Address() string { return r.r.address }

// Tag names a tag of the repository.
func (r *Repository) Tag(tag string) name.Tag { return r.r.tag(tag) }

// Tagged is a manifest read from a repository: an image or an index.
type Tagged struct {
	Ref  name.Reference
	Desc v1.Descriptor // digest, size and media type of the manifest
	rd   *remote.Descriptor
}

// Get reads the manifest under a tag; a missing one is an error for which
// IsNotFound is true.
func (r *Repository) Get(ctx context.Context, tag string) (*Tagged, error) {
	d, err := r.r.get(ctx, tag)
	if err != nil {
		return nil, err
	}
	return &Tagged{Ref: r.r.tag(tag), Desc: d.Descriptor, rd: d}, nil
}

// Has tells whether the repository has a manifest by digest ("sha256:…").
func (r *Repository) Has(ctx context.Context, digest string) (bool, error) {
	ref := r.r.name.Digest(digest)
	if _, err := name.NewDigest(ref.String()); err != nil {
		return false, fmt.Errorf("digest %q: %w", digest, err)
	}
	_, err := r.r.puller.Head(ctx, ref)
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, r.r.errorf("read "+digest, err)
	}
	return true, nil
}

// Put writes a manifest read from any repository under a tag, registry to
// registry, byte for byte as `crane copy` does (blobs are mounted within one
// registry). A tag that already names that manifest is left alone: written is
// false.
func (r *Repository) Put(ctx context.Context, tag string, src *Tagged) (written bool, err error) {
	if same, err := r.names(ctx, tag, src.Desc.Digest); err != nil || same {
		return false, err
	}
	if err := remote.Push(r.r.tag(tag), src.rd, remote.WithContext(ctx), remote.Reuse(r.r.pusher)); err != nil {
		return false, r.r.errorf(fmt.Sprintf("copy %s to %s", src.Ref, tag), err)
	}
	return true, nil
}

// Write pushes an image made here under a tag, unless the tag already names
// it (written is false).
func (r *Repository) Write(ctx context.Context, tag string, img v1.Image) (written bool, err error) {
	h, err := img.Digest()
	if err != nil {
		return false, err
	}
	if same, err := r.names(ctx, tag, h); err != nil || same {
		return false, err
	}
	if err := remote.Write(r.r.tag(tag), img, remote.WithContext(ctx), remote.Reuse(r.r.pusher)); err != nil {
		return false, r.r.errorf("write "+tag, err)
	}
	return true, nil
}

// names tells whether tag names the manifest h now.
func (r *Repository) names(ctx context.Context, tag string, h v1.Hash) (bool, error) {
	d, err := r.r.puller.Head(ctx, r.r.tag(tag))
	switch {
	case isNotFound(err):
		return false, nil
	case err != nil:
		return false, r.r.errorf("read "+tag, err)
	}
	return d.Digest == h, nil
}

// PlatformImage is one image of a Tagged: the image itself, or one that an
// index lists for a platform.
type PlatformImage struct {
	Platform string // os/arch[/variant] as the index gives it; "" for a single image
	Image    v1.Image
}

// Images are the image a Tagged is, or every image its index lists (nested
// indexes included), in the index's order.
func (t *Tagged) Images() ([]PlatformImage, error) {
	if !t.rd.MediaType.IsIndex() {
		img, err := t.rd.Image()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", t.Ref, err)
		}
		return []PlatformImage{{Image: img}}, nil
	}
	idx, err := t.rd.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Ref, err)
	}
	return indexImages(t.Ref.String(), idx, 0)
}

// maxIndexDepth bounds nested indexes: a registry could serve one that lists
// itself.
const maxIndexDepth = 4

func indexImages(ref string, idx v1.ImageIndex, depth int) ([]PlatformImage, error) {
	if depth >= maxIndexDepth {
		return nil, fmt.Errorf("read %s: indexes nested deeper than %d", ref, maxIndexDepth)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref, err)
	}
	var out []PlatformImage
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", ref, err)
			}
			imgs, err := indexImages(ref, child, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, imgs...)
		case d.MediaType.IsImage():
			img, err := idx.Image(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", ref, err)
			}
			p := PlatformImage{Image: img}
			if d.Platform != nil {
				p.Platform = d.Platform.String()
			}
			out = append(out, p)
		}
		// Anything else an index lists (attestations' artifacts) holds no files.
	}
	return out, nil
}

// IsNotFound tells a missing tag, manifest or repository from other failures.
func IsNotFound(err error) bool { return isNotFound(err) }
