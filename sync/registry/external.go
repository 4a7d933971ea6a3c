package registry

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// External is an image a Stapel image takes from a registry rather than from
// the stages storage: a `from` base that werf's fromLatest hashes, or the
// source of an `import: from:`. It is read with the storage's credentials,
// transport, retries and timeouts.
type External struct {
	ref  name.Reference
	desc *remote.Descriptor
	s    *Storage
}

// externalRead is one reference read, once a run however many stages and
// platforms take it.
type externalRead struct {
	once sync.Once
	e    *External
	err  error
}

// External reads the manifest (or index) a reference names now, once a run.
func (s *Storage) External(ctx context.Context, ref string) (*External, error) {
	v, _ := s.externals.LoadOrStore(ref, &externalRead{})
	r := v.(*externalRead)
	r.once.Do(func() { r.e, r.err = s.readExternal(ctx, ref) })
	return r.e, r.err
}

func (s *Storage) readExternal(ctx context.Context, ref string) (*External, error) {
	var opts []name.Option
	if r, err := name.ParseReference(ref); err == nil && slices.Contains(s.o.insecure, r.Context().RegistryStr()) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	d, err := remote.Get(r, append(s.o.remoteOptions(r.Context().RegistryStr()), remote.WithContext(ctx))...)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", ref, err)
	}
	return &External{ref: r, desc: d, s: s}, nil
}

// ID is werf's ID of the image (GetRepoImage(ref).ID): an image manifest's
// config digest, or an index's own digest whatever the platform.
func (e *External) ID() (string, error) {
	if e.desc.MediaType.IsIndex() {
		return e.desc.Digest.String(), nil
	}
	img, err := e.desc.Image()
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", e.ref, err)
	}
	cfg, err := img.ConfigName()
	if err != nil {
		return "", fmt.Errorf("read image %s: %w", e.ref, err)
	}
	return cfg.String(), nil
}

// Image is the image for a platform (os/arch[/variant]): the index's entry for
// it, or the image itself when the reference names a single image.
func (e *External) Image(platform string) (v1.Image, error) {
	if !e.desc.MediaType.IsIndex() {
		return e.desc.Image()
	}
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, fmt.Errorf("platform %q: %w", platform, err)
	}
	idx, err := e.desc.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", e.ref, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", e.ref, err)
	}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.Satisfies(*p) {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("image %s has no %s image", e.ref, platform)
}
