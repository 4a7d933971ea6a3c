package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/stages/importsum"
	"github.com/dagwerf/dagwerf/stages/stapel"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// stapelImportChecksums gives a Stapel chain the checksum of each import as
// werf would: the import-metadata record's when the storage has one, else
// computed over the source's files as stored (the source stage, or the external
// image) and, in a build, recorded for the next run and for werf.
type stapelImportChecksums struct{ s *Stapel }

// importChecksum is one import source's checksum, worked out once a run
// however many images and platforms take the same files (werf keys its record
// by the source ID alone, so the first one found or written is every one's).
type importChecksum struct {
	once sync.Once
	sum  stapel.ImportChecksum
	err  error
}

func (c stapelImportChecksums) Checksum(ctx context.Context, req stapel.ImportRequest) (stapel.ImportChecksum, error) {
	s := c.s
	s.mu.Lock()
	e := s.checksums[req.SourceID]
	if e == nil {
		e = &importChecksum{}
		s.checksums[req.SourceID] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.sum, e.err = c.checksum(ctx, req) })
	return e.sum, e.err
}

// checksum reads the import's record, or computes and records the checksum.
func (c stapelImportChecksums) checksum(ctx context.Context, req stapel.ImportRequest) (stapel.ImportChecksum, error) {
	s := c.s
	force := false
	if s.Storage != nil {
		m, err := s.Storage.ImportMetadata(ctx, req.SourceID)
		switch {
		case err == nil && m.Checksum != "":
			return stapel.ImportChecksum{Checksum: m.Checksum, SourceStageID: m.SourceStageID}, nil
		case err == nil: // werf computes an empty record anew and overwrites it
			force = true
		case errors.Is(err, registry.ErrImportMetadataNotFound), errors.Is(err, registry.ErrImportMetadataBroken):
		default:
			return stapel.ImportChecksum{}, err
		}
	}
	img, err := c.source(ctx, req)
	if err != nil {
		return stapel.ImportChecksum{}, err
	}
	sum, err := importsum.Checksum(ctx, img, importsum.SpecOf(req.Import))
	if err != nil {
		return stapel.ImportChecksum{}, fmt.Errorf("checksum of %s in %s: %w", req.Import.Add, req.SourceImage, err)
	}
	out := stapel.ImportChecksum{Checksum: sum, SourceStageID: req.SourceStageID}
	if s.WriteRecords && s.Storage != nil {
		m := registry.ImportMetadata{ImportSourceID: req.SourceID, SourceStageID: req.SourceStageID, Checksum: sum}
		if err := s.Storage.PutImportMetadata(ctx, m, registry.PutImportMetadataOptions{Force: force}); err != nil {
			return out, fmt.Errorf("record the checksum of %s from %s: %w", req.Import.Add, req.SourceImage, err)
		}
	}
	return out, nil
}

// source is the image whose files an import takes, as stored.
func (c stapelImportChecksums) source(ctx context.Context, req stapel.ImportRequest) (v1.Image, error) {
	s := c.s
	if s.Storage == nil {
		return nil, fmt.Errorf("the checksum of what it takes from %s is read from the files as stored: give the repository the images are built into", req.Import.Image)
	}
	if req.Import.External {
		e, err := s.Storage.External(ctx, req.SourceImage)
		if err != nil {
			return nil, err
		}
		return e.Image(req.Platform)
	}
	s.mu.Lock()
	desc := s.descs[req.Source.StageID]
	s.mu.Unlock()
	if desc == nil {
		return nil, fmt.Errorf("image %q: its stage is %w in %s, and werf computes the checksum of what an import takes from the files: build it first", req.Import.Image, errNotStored, s.Storage.Repo())
	}
	return desc.Image(ctx)
}
