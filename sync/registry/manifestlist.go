package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dagwerf/dagwerf/stages"
)

// ManifestListDesc describes a multi-platform image's manifest list in --repo.
type ManifestListDesc struct {
	Ref      name.Tag // tagged with the bare digest of its platforms' stage IDs
	Manifest v1.Descriptor
	Stages   map[string]*StageDesc // by platform
	Written  bool                  // this call wrote the list; false when it was there already
	raw      []byte
	from     *repo // --repo
}

// rawManifest is a manifest to write as it is.
type rawManifest struct {
	data      []byte
	mediaType types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.data, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }

// PublishManifestList tags a multi-platform image in --repo: a Docker manifest
// list of its platforms' stages, ordered by platform, each entry's platform read
// from the stage's config, as werf writes it. The tag is a digest of the stage
// IDs, so a list already under it has this content and is not written again.
// Nothing but the list itself is written: the stages are already there.
func (s *Storage) PublishManifestList(ctx context.Context, byPlatform map[string]*StageDesc) (*ManifestListDesc, error) {
	ids := make(map[string]stages.StageID, len(byPlatform))
	for p, d := range byPlatform {
		ids[p] = d.ID
	}
	tag := stages.ManifestListTag(ids)
	tags, err := s.primary.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	if tags.has(tag) {
		d, err := s.primary.get(ctx, tag)
		if err == nil {
			return &ManifestListDesc{Ref: s.primary.tag(tag), Manifest: d.Descriptor, Stages: byPlatform, raw: d.Manifest, from: s.primary}, nil
		}
		if !isNotFound(err) {
			return nil, err
		}
	}

	platforms := make([]string, 0, len(byPlatform))
	for p := range byPlatform {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.DockerManifestList}
	for _, p := range platforms {
		d := byPlatform[p]
		cfg, err := d.Config(ctx)
		if err != nil {
			return nil, fmt.Errorf("manifest list %s: %w", tag, err)
		}
		entry := d.Manifest
		entry.Platform = cfg.Platform()
		entry.Annotations, entry.URLs, entry.Data = nil, nil, nil
		index.Manifests = append(index.Manifests, entry)
	}
	data, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	if err := s.primary.put(ctx, tag, rawManifest{data: data, mediaType: types.DockerManifestList}); err != nil {
		return nil, err
	}
	s.primary.tags.added(tag)
	digest, size, err := v1.SHA256(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return &ManifestListDesc{Ref: s.primary.tag(tag), Manifest: v1.Descriptor{MediaType: types.DockerManifestList, Size: size, Digest: digest}, Stages: byPlatform, Written: true, raw: data, from: s.primary}, nil
}
