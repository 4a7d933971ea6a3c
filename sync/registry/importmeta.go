package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// werf's import-metadata-<importSourceID> record (pkg/storage/repo_stages_storage.go,
// import_metadata.go): it pins the checksum of what a Stapel import takes from its
// source stage. werf reads it while computing digests and hashes its checksum
// into the dependencies stage's digest, so once a record exists its checksum is
// the one every build of the project uses, whoever computed it.
const (
	importMetadataPrefix = "import-metadata-"

	labelImportSourceID = "import-source-id"
	labelSourceStageID  = "source-stage-id"
	labelImportChecksum = "checksum"
)

// ImportMetadata is one import-metadata record.
type ImportMetadata struct {
	ImportSourceID string // importsum.SourceID
	SourceStageID  string // the source stage's ID, or importsum.ExternalSource(ref)
	Checksum       string // importsum.Checksum
}

// ErrImportMetadataNotFound is a record the repositories do not have.
var ErrImportMetadataNotFound = errors.New("import metadata not found")

// ErrImportMetadataBroken is a record whose manifest is there but cannot be read
// whole (its config blob is gone, or the registry calls the manifest invalid):
// werf's ErrBrokenImage. werf computes the checksum anew, as for a missing record,
// and leaves the broken one in place (a push without Force skips an existing tag).
var ErrImportMetadataBroken = errors.New("import metadata record is broken")

// ImportMetadataTag is the tag of the record of an import source ID.
func ImportMetadataTag(importSourceID string) string { return importMetadataPrefix + importSourceID }

// ImportMetadata reads the record of an import source ID, as werf's
// StorageManager.FetchImportMetadata does: from --repo, else from the first
// --secondary-repo that has it, copied into --repo (a failed copy is a warning).
//
// Whether a repository has the tag is answered by the run's tag listing, so a
// missing record costs no request; a present one costs its manifest and its
// config. A tag that holds an index reads as a record of empty labels, as in werf
// (whose caller then writes it anew with Force). It returns
// ErrImportMetadataNotFound, or ErrImportMetadataBroken when --repo's record is
// broken and no secondary repo has one (werf reports that as not found too).
func (s *Storage) ImportMetadata(ctx context.Context, importSourceID string) (*ImportMetadata, error) {
	m, primaryErr := s.readImportMetadata(ctx, s.primary, importSourceID)
	if primaryErr == nil || !isMissingRecord(primaryErr) {
		return m, primaryErr
	}
	for _, sec := range s.secondaries {
		m, err := s.readImportMetadata(ctx, sec, importSourceID)
		switch {
		case err == nil:
			if err := s.PutImportMetadata(ctx, *m, PutImportMetadataOptions{}); err != nil {
				s.warnf("cannot copy %s from %s into %s: %v", ImportMetadataTag(importSourceID), sec.address, s.primary.address, err)
			}
			return m, nil
		case !isMissingRecord(err):
			s.warnf("cannot read %s: %v", sec.tag(ImportMetadataTag(importSourceID)), err)
		}
	}
	return nil, primaryErr
}

func isMissingRecord(err error) bool {
	return errors.Is(err, ErrImportMetadataNotFound) || errors.Is(err, ErrImportMetadataBroken)
}

// readImportMetadata reads one repository's record: the labels of its config.
func (s *Storage) readImportMetadata(ctx context.Context, r *repo, id string) (*ImportMetadata, error) {
	tag := ImportMetadataTag(id)
	tags, err := r.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	if !tags.has(tag) {
		return nil, fmt.Errorf("%s: %w", r.tag(tag), ErrImportMetadataNotFound)
	}
	d, err := r.get(ctx, tag)
	switch {
	case isNotFound(err):
		return nil, fmt.Errorf("%s: %w", r.tag(tag), ErrImportMetadataNotFound) // deleted since the listing
	case isBrokenRecord(err):
		return nil, fmt.Errorf("%s: %w: %v", r.tag(tag), ErrImportMetadataBroken, err)
	case err != nil:
		return nil, err
	case !isImageManifest(d.MediaType):
		return &ImportMetadata{}, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", r.tag(tag), ErrImportMetadataBroken, err)
	}
	raw, err := r.rawConfig(ctx, m.Config.Digest)
	if isBrokenRecord(err) || isNotFound(err) {
		return nil, fmt.Errorf("%s: %w: its config %s cannot be read: %v", r.tag(tag), ErrImportMetadataBroken, m.Config.Digest, err)
	}
	if err != nil {
		return nil, r.errorf("read the config of "+tag, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", r.tag(tag), ErrImportMetadataBroken, err)
	}
	l := cfg.Config.Labels
	md := importMetadataOf(l)
	return &md, nil
}

// brokenRecordCodes are the registry errors werf takes for a broken image
// (docker_registry.BrokenImageCodes).
var brokenRecordCodes = []transport.ErrorCode{
	transport.BlobUnknownErrorCode,
	transport.BlobUploadInvalidErrorCode,
	transport.BlobUploadUnknownErrorCode,
	transport.DigestInvalidErrorCode,
	transport.ManifestBlobUnknownErrorCode,
	transport.ManifestInvalidErrorCode,
	transport.ManifestUnverifiedErrorCode,
	transport.NameInvalidErrorCode,
}

func isBrokenRecord(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	for _, d := range terr.Errors {
		if slices.Contains(brokenRecordCodes, d.Code) {
			return true
		}
	}
	return false
}

// PutImportMetadataOptions are werf's: Force writes the record even when the tag
// exists (werf forces it over a record whose checksum is empty).
type PutImportMetadataOptions struct {
	Force bool
}

// PutImportMetadata writes a record into --repo, labelled as werf labels it
// (import-source-id, source-stage-id, checksum, werf=<project>). Unless forced,
// it lists --repo afresh and writes nothing when the tag is there: another
// builder's record stands. A registry that refuses the push with 403 is a
// warning, as in werf.
func (s *Storage) PutImportMetadata(ctx context.Context, m ImportMetadata, opts PutImportMetadataOptions) error {
	tag := ImportMetadataTag(m.ImportSourceID)
	if !opts.Force {
		tags, err := s.primary.tags.fresh(ctx)
		if err != nil {
			return err
		}
		if tags.has(tag) {
			return nil
		}
	}
	labels := map[string]string{
		LabelProject:        s.project,
		labelImportSourceID: m.ImportSourceID,
		labelSourceStageID:  m.SourceStageID,
		labelImportChecksum: m.Checksum,
	}
	err := s.pushRecord(ctx, s.primary, tag, labels)
	if refusedStatus(err) == http.StatusForbidden {
		s.warnf("%v (the import checksum is not recorded)", err)
		return nil
	}
	return err
}

// importMetadataOf reads a record's labels.
func importMetadataOf(l map[string]string) ImportMetadata {
	return ImportMetadata{ImportSourceID: l[labelImportSourceID], SourceStageID: l[labelSourceStageID], Checksum: l[labelImportChecksum]}
}
