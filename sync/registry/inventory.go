package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/dagwerf/dagwerf/stages"
)

// What a cleanup reads of --repo, as werf's does (pkg/storage/
// repo_stages_storage.go): the tags, listed once; every stage's manifest and
// config (its creation time, its labels, a manifest list's images); the labels
// of the custom-tag and import records. Meta and managed-image records are
// read from their tags alone; no layer is read.

// More of werf's records (see records.go for the others).
// The import-metadata records' are in importmeta.go.
const (
	// CleanupRecordTag is the record of the last cleanup.
	CleanupRecordTag = "cleanup"

	labelLastCleanup = "lastcleanuptimestamp"
)

// Inventory is a repository as a cleanup reads it.
type Inventory struct {
	Repo string
	Tags []string // every tag, sorted

	Stages []*StoredStage // werf's stages: <digest>-<millis> images and <digest> manifest lists
	// Unavailable are stage tags whose manifest or config is gone or broken:
	// werf leaves them out of the cleanup, and so they stay.
	Unavailable []string
	Rejected    []string // the stage IDs of <stage ID>-rejected records

	Meta          []MetaRecord
	ManagedImages []string // the image names of managed-image records
	CustomTags    []CustomTagRecord
	Imports       []ImportRecord
}

// StoredStage is a stage tag and what its manifest and config say.
type StoredStage struct {
	ID string // the tag: <digest>-<millis>, or a manifest list's <digest>
	StoredImage
	Index     bool
	Platforms []StoredImage // a manifest list's images, in its order
}

// StoredImage is an image manifest and its config.
type StoredImage struct {
	Manifest v1.Hash
	Created  time.Time // the config's creation time, to the second as werf reads it
	Labels   map[string]string
	ImageID  string // the config's digest
	// ParentID is the image's parent as werf's older cleanup tells it: the
	// config's Image, else its werf.io/base-image-id label.
	ParentID string
}

// MetaRecord is a meta-<image hash>_<commit>_<stage ID> record.
type MetaRecord struct {
	Tag       string
	ImageHash string
	Commit    string
	StageID   string
}

// CustomTagRecord is a custom-tag-meta-* record: the custom tag it stands for
// and the stage that tag was given to. Invalid is set when its manifest is
// gone or broken: werf skips it.
type CustomTagRecord struct {
	Tag       string
	StageID   string
	CustomTag string
	Invalid   bool
}

// ImportRecord is an import-metadata-<import source ID> record; Invalid is
// set when its manifest is gone or broken (werf deletes it).
type ImportRecord struct {
	Tag string
	ImportMetadata
	Invalid bool
}

// MetaImageHash is the hash of an image name in its meta records' tags.
func MetaImageHash(image string) string {
	return legacyHash(unslugImageName(managedImageID(image)))
}

// ManagedImageName is the image name a managed-image record's tag stands for.
func ManagedImageName(tag string) (string, bool) {
	id, ok := strings.CutPrefix(tag, managedImagePrefix)
	if !ok {
		return "", false
	}
	return unslugImageName(id), true
}

// ParseStageTag reads a stage tag as werf's cleanup takes one: a 56-hex
// digest, with or without -<13-digit unix millis>; millis is 0 for a bare
// digest (a manifest list). werf checks only the lengths and the number; the
// hex check here leaves alone a custom tag that happens to be 56 or 70
// characters long, which werf would take for a stage.
func ParseStageTag(tag string) (digest string, millis int64, ok bool) {
	switch {
	case stages.IsDigest(tag):
		return tag, 0, true
	case len(tag) == 70:
		id, err := stages.ParseStageID(tag)
		return id.Digest, id.CreatedAt, err == nil
	}
	return "", 0, false
}

var rejectedTagPattern = regexp.MustCompile(`^([0-9a-f]{56}-[0-9]+)-rejected$`)

// Inventory lists --repo (afresh) and reads what a cleanup decides on, at
// most parallel requests at a time. A repository whose records werf v3 keeps
// in a separate meta repository is refused: its cleanup is werf v3's.
func (s *Storage) Inventory(ctx context.Context, parallel int) (*Inventory, error) {
	set, err := s.primary.tags.fresh(ctx)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{Repo: s.primary.address, Tags: set.tags()}
	slices.Sort(inv.Tags)
	if marker := metaRepoMarkerPrefix + managedImageID(s.project); set.has(marker) {
		return nil, fmt.Errorf("%s is managed by werf v3, which keeps its records in a separate meta repository (tag %s): clean it up with werf v3", s.primary.address, marker)
	}
	rejected := map[string]bool{}
	for _, t := range inv.Tags {
		if m := rejectedTagPattern.FindStringSubmatch(t); m != nil {
			rejected[m[1]] = true
			inv.Rejected = append(inv.Rejected, m[1])
		}
	}
	var stageTags, customTagRecords, importRecords []string
	for _, t := range inv.Tags {
		switch {
		case strings.HasPrefix(t, metaPrefix):
			if rec, ok := parseMetaTag(t); ok {
				inv.Meta = append(inv.Meta, rec)
			}
		case strings.HasPrefix(t, managedImagePrefix):
			name, _ := ManagedImageName(t)
			inv.ManagedImages = append(inv.ManagedImages, name)
		case strings.HasPrefix(t, customTagMetaPrefix):
			customTagRecords = append(customTagRecords, t)
		case strings.HasPrefix(t, importMetadataPrefix):
			importRecords = append(importRecords, t)
		default:
			if _, _, ok := ParseStageTag(t); ok && !rejected[t] {
				stageTags = append(stageTags, t)
			}
		}
	}
	if parallel < 1 {
		parallel = 1
	}
	r := &inventoryReader{s: s, r: s.primary, parallel: parallel, byManifest: map[v1.Hash]*StoredImage{}}
	if err := r.stages(ctx, inv, stageTags); err != nil {
		return nil, err
	}
	if inv.CustomTags, err = r.customTagRecords(ctx, customTagRecords); err != nil {
		return nil, err
	}
	if inv.Imports, err = r.importRecords(ctx, importRecords); err != nil {
		return nil, err
	}
	return inv, nil
}

// parseMetaTag reads meta-<image hash>_<commit>_<stage ID>: exactly three
// parts, as werf's cleanup reads them; other meta- tags are not records.
func parseMetaTag(tag string) (MetaRecord, bool) {
	parts := strings.Split(strings.TrimPrefix(tag, metaPrefix), "_")
	if len(parts) != 3 {
		return MetaRecord{}, false
	}
	return MetaRecord{Tag: tag, ImageHash: parts[0], Commit: parts[1], StageID: parts[2]}, true
}

type inventoryReader struct {
	s        *Storage
	r        *repo
	parallel int

	mu         sync.Mutex
	byManifest map[v1.Hash]*StoredImage // images read, by manifest digest
}

// errUnavailable is a manifest or config that is gone or does not parse.
var errUnavailable = errors.New("unavailable")

// stages reads every stage tag's manifest (and an image's config), then the
// images of the manifest lists that no stage tag named.
func (ir *inventoryReader) stages(ctx context.Context, inv *Inventory, tags []string) error {
	read := make([]*StoredStage, len(tags))
	lists := make([]*v1.IndexManifest, len(tags))
	unavailable := make([]bool, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ir.parallel)
	for i, tag := range tags {
		g.Go(func() error {
			st, list, err := ir.readStage(gctx, tag)
			switch {
			case errors.Is(err, errUnavailable):
				ir.s.warnf("ignoring stage %s: %v", ir.r.tag(tag), err)
				unavailable[i] = true
			case err != nil:
				return err
			default:
				read[i], lists[i] = st, list
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// The images of manifest lists, each read once; one a stage tag has is
	// not read again.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(ir.parallel)
	children := map[v1.Hash]bool{}
	for i, list := range lists {
		if list == nil {
			continue
		}
		for _, m := range list.Manifests {
			ir.mu.Lock()
			_, known := ir.byManifest[m.Digest]
			ir.mu.Unlock()
			if known || children[m.Digest] {
				continue
			}
			children[m.Digest] = true
			g.Go(func() error {
				_, err := ir.readImageByDigest(gctx, m.Digest)
				if errors.Is(err, errUnavailable) {
					ir.s.warnf("ignoring stage %s: its image %s: %v", ir.r.tag(tags[i]), m.Digest, err)
					return nil
				}
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, st := range read {
		if st == nil {
			if unavailable[i] {
				inv.Unavailable = append(inv.Unavailable, tags[i])
			}
			continue
		}
		if list := lists[i]; list != nil {
			complete := true
			for _, m := range list.Manifests {
				img, ok := ir.byManifest[m.Digest]
				if !ok {
					complete = false
					break
				}
				st.Platforms = append(st.Platforms, *img)
			}
			if !complete {
				// werf cannot describe a list whose images are gone and
				// leaves it out of the cleanup.
				inv.Unavailable = append(inv.Unavailable, tags[i])
				continue
			}
		}
		inv.Stages = append(inv.Stages, st)
	}
	return nil
}

// readStage reads a stage tag's manifest: an image's config, or a manifest
// list's index (its images come after).
func (ir *inventoryReader) readStage(ctx context.Context, tag string) (*StoredStage, *v1.IndexManifest, error) {
	d, err := ir.r.puller.Get(ctx, ir.r.tag(tag))
	if isNotFound(err) {
		return nil, nil, fmt.Errorf("%w: its manifest is gone", errUnavailable)
	}
	if err != nil {
		return nil, nil, ir.r.errorf("read "+tag, err)
	}
	st := &StoredStage{ID: tag}
	if d.MediaType.IsIndex() {
		list, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", errUnavailable, err)
		}
		st.Index, st.Manifest = true, d.Digest
		return st, list, nil
	}
	img, err := ir.readImage(ctx, d, tag)
	if err != nil {
		return nil, nil, err
	}
	st.StoredImage = *img
	return st, nil, nil
}

func (ir *inventoryReader) readImageByDigest(ctx context.Context, h v1.Hash) (*StoredImage, error) {
	d, err := ir.r.puller.Get(ctx, ir.r.name.Digest(h.String()))
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: its manifest is gone", errUnavailable)
	}
	if err != nil {
		return nil, ir.r.errorf("read "+h.String(), err)
	}
	return ir.readImage(ctx, d, h.String())
}

// readImage reads an image manifest's config and keeps what it says.
func (ir *inventoryReader) readImage(ctx context.Context, d *remote.Descriptor, what string) (*StoredImage, error) {
	if !d.MediaType.IsImage() {
		return nil, fmt.Errorf("%w: %s is neither an image nor a manifest list", errUnavailable, d.MediaType)
	}
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	raw, err := ir.r.rawConfig(ctx, m.Config.Digest)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: its config %s is gone", errUnavailable, m.Config.Digest)
	}
	if err != nil {
		return nil, ir.r.errorf("read the config of "+what, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: its config: %v", errUnavailable, err)
	}
	img := &StoredImage{
		Manifest: d.Digest,
		Created:  time.Unix(cfg.Created.Unix(), 0),
		Labels:   cfg.Config.Labels,
		ImageID:  m.Config.Digest.String(),
		ParentID: cfg.Config.Image,
	}
	if img.ParentID == "" {
		img.ParentID = cfg.Config.Labels[LabelBaseImageID]
	}
	ir.mu.Lock()
	ir.byManifest[d.Digest] = img
	ir.mu.Unlock()
	return img, nil
}

// recordLabels reads the labels of a record image; a record that is gone or
// broken is errUnavailable.
func (ir *inventoryReader) recordLabels(ctx context.Context, tag string) (map[string]string, error) {
	d, err := ir.r.puller.Get(ctx, ir.r.tag(tag))
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: its manifest is gone", errUnavailable)
	}
	if err != nil {
		return nil, ir.r.errorf("read "+tag, err)
	}
	if !d.MediaType.IsImage() {
		return nil, fmt.Errorf("%w: %s is not an image", errUnavailable, d.MediaType)
	}
	m, err := v1.ParseManifest(bytes.NewReader(d.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	raw, err := ir.r.rawConfig(ctx, m.Config.Digest)
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: its config is gone", errUnavailable)
	}
	if err != nil {
		return nil, ir.r.errorf("read the config of "+tag, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: its config: %v", errUnavailable, err)
	}
	return cfg.Config.Labels, nil
}

func (ir *inventoryReader) customTagRecords(ctx context.Context, tags []string) ([]CustomTagRecord, error) {
	out := make([]CustomTagRecord, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ir.parallel)
	for i, tag := range tags {
		g.Go(func() error {
			labels, err := ir.recordLabels(gctx, tag)
			out[i] = CustomTagRecord{Tag: tag, StageID: labels[labelCustomTagStageID], CustomTag: labels[labelCustomTag]}
			if errors.Is(err, errUnavailable) {
				ir.s.warnf("skipping invalid custom tag record %s: %v", ir.r.tag(tag), err)
				out[i].Invalid = true
				return nil
			}
			return err
		})
	}
	return out, g.Wait()
}

func (ir *inventoryReader) importRecords(ctx context.Context, tags []string) ([]ImportRecord, error) {
	out := make([]ImportRecord, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(ir.parallel)
	for i, tag := range tags {
		g.Go(func() error {
			labels, err := ir.recordLabels(gctx, tag)
			out[i] = ImportRecord{Tag: tag, ImportMetadata: importMetadataOf(labels)}
			if errors.Is(err, errUnavailable) {
				out[i].Invalid = true
				return nil
			}
			return err
		})
	}
	return out, g.Wait()
}

// WriteCleanupRecord writes werf's record of a cleanup (tag cleanup, label
// lastcleanuptimestamp in unix millis), which werf's builds read to warn of a
// repository no one cleans.
func (s *Storage) WriteCleanupRecord(ctx context.Context) error {
	labels := map[string]string{LabelProject: s.project, labelLastCleanup: strconv.FormatInt(s.o.now().UnixMilli(), 10)}
	return s.pushRecord(ctx, s.primary, CleanupRecordTag, labels)
}

// CacheRepos are the --cache-repo addresses.
func (s *Storage) CacheRepos() []string {
	out := make([]string, len(s.caches))
	for i, c := range s.caches {
		out[i] = c.address
	}
	return out
}

// FinalRepo is the --final-repo address, "" without one.
func (s *Storage) FinalRepo() string {
	if s.final == nil {
		return ""
	}
	return s.final.address
}

// RepoTags lists one of the storage's repositories by address, once per run.
func (s *Storage) RepoTags(ctx context.Context, address string) ([]string, error) {
	for _, r := range append([]*repo{s.primary, s.final}, s.caches...) {
		if r != nil && r.address == address {
			set, err := r.tags.get(ctx)
			if err != nil {
				return nil, err
			}
			return set.tags(), nil
		}
	}
	return nil, fmt.Errorf("%s is not a repository of this storage", address)
}

// InventorySince lists --repo again and reads what appeared since inv was
// taken: the new stages (their manifests and configs), meta records,
// custom-tag records and import records. A cleanup keeps what builds running meanwhile linked
// or published.
func (s *Storage) InventorySince(ctx context.Context, inv *Inventory, parallel int) (*Inventory, error) {
	set, err := s.primary.tags.fresh(ctx)
	if err != nil {
		return nil, err
	}
	old := make(map[string]bool, len(inv.Tags))
	for _, t := range inv.Tags {
		old[t] = true
	}
	delta := &Inventory{Repo: inv.Repo}
	var stageTags, customTagRecords, importRecords []string
	for _, t := range set.tags() {
		if old[t] {
			continue
		}
		delta.Tags = append(delta.Tags, t)
		switch {
		case strings.HasPrefix(t, importMetadataPrefix):
			importRecords = append(importRecords, t)
		case strings.HasPrefix(t, metaPrefix):
			if rec, ok := parseMetaTag(t); ok {
				delta.Meta = append(delta.Meta, rec)
			}
		case strings.HasPrefix(t, customTagMetaPrefix):
			customTagRecords = append(customTagRecords, t)
		default:
			if _, _, ok := ParseStageTag(t); ok {
				stageTags = append(stageTags, t)
			}
		}
	}
	slices.Sort(delta.Tags)
	if parallel < 1 {
		parallel = 1
	}
	r := &inventoryReader{s: s, r: s.primary, parallel: parallel, byManifest: map[v1.Hash]*StoredImage{}}
	if err := r.stages(ctx, delta, stageTags); err != nil {
		return nil, err
	}
	if delta.CustomTags, err = r.customTagRecords(ctx, customTagRecords); err != nil {
		return nil, err
	}
	if delta.Imports, err = r.importRecords(ctx, importRecords); err != nil {
		return nil, err
	}
	return delta, nil
}
