package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"
)

// werf's records beside the stages of a repository. werf's cleanup reads them:
// a stage that no meta record links to a kept commit is deleted once it is older
// than keepImagesBuiltWithinLastNHours, so a repository that werf cleans needs
// them for everything dagwerf builds.
const (
	managedImagePrefix  = "managed-image-"
	metaPrefix          = "meta-"
	customTagMetaPrefix = "custom-tag-meta-"
	// metaRepoMarkerPrefix + project is werf v3's mark on a repository whose
	// records live in another (--meta-repo).
	metaRepoMarkerPrefix = "werf-meta-repo-marker-"
	// namelessImageID stands for the nameless image in record tags.
	namelessImageID = "__nameless__"

	// Labels of a custom-tag-meta record.
	labelCustomTagStageID = "stage-id"
	labelCustomTag        = "tag"
	// The label of werf v3's marker that names the meta repository.
	labelMetaRepoAddress = "metarepoaddress"
)

// ManagedImageTag is the tag of the record that names image as one of the
// project's (werf's managed-image-<id>).
func ManagedImageTag(image string) string { return managedImagePrefix + managedImageID(image) }

// managedImageID is werf's form of an image name in record tags: space, slash
// and plus spelled out, the nameless image named, and slugged when that is still
// no valid tag.
func managedImageID(image string) string {
	id := image
	if image == "" {
		id = namelessImageID
	} else {
		id = strings.NewReplacer(" ", "__space__", "/", "__slash__", "+", "__plus__").Replace(id)
	}
	if !isValidTag(id) {
		id = limitedSlug(id, dockerTagMaxLength-len(managedImagePrefix))
	}
	return id
}

// unslugImageName reverses what managedImageID spelled out.
func unslugImageName(id string) string {
	if id == namelessImageID {
		return ""
	}
	return strings.NewReplacer("__space__", " ", "__slash__", "/", "__plus__", "+").Replace(id)
}

// MetaTag is the tag of the record that links image's stage stageID to a commit
// (werf's meta-<hash of the name>_<commit>_<stage ID>). The name is hashed as
// werf hashes it: through its managed-image ID and back.
func MetaTag(image, commit, stageID string) string {
	return fmt.Sprintf("%s%s_%s_%s", metaPrefix, legacyHash(unslugImageName(managedImageID(image))), commit, stageID)
}

// CustomTagMetaTag is the tag of the record of a custom tag.
func CustomTagMetaTag(tag string) string { return customTagMetaPrefix + limitedSlug(tag, 48) }

// ImageRecord links one werf image of a build to the stage it came to: its last
// stage's ID, or the manifest list's for a multi-platform image.
type ImageRecord struct {
	Image   string
	StageID string
}

// RecordsPolicy is which records a build writes, as werf decides from its
// flags and werf.yaml's cleanup section.
type RecordsPolicy struct {
	ManagedImages bool   // managed-image-*: unless cleanup is disabled
	Commit        string // meta-* for this commit; "" writes none (--dev, git-history policy off)
}

// WriteImageRecords writes the records of a build's images that --repo lacks:
// managed-image once per image name and meta for the commit. Whether a record
// exists is answered by the run's tag listing, so a build whose records exist
// sends nothing. Records are written in parallel; every failure is reported,
// naming the repository and the record.
func (s *Storage) WriteImageRecords(ctx context.Context, policy RecordsPolicy, images []ImageRecord) error {
	r, err := s.recordsRepo(ctx)
	if err != nil {
		return err
	}
	tags, err := r.tags.get(ctx)
	if err != nil {
		return err
	}
	var todo []string
	seen := map[string]bool{}
	want := func(tag string) {
		if !seen[tag] && !tags.has(tag) {
			todo = append(todo, tag)
		}
		seen[tag] = true
	}
	for _, img := range images {
		if policy.ManagedImages {
			want(ManagedImageTag(img.Image))
		}
		if policy.Commit != "" {
			want(MetaTag(img.Image, policy.Commit, img.StageID))
		}
	}
	labels := map[string]string{LabelProject: s.project}
	return s.pushRecords(ctx, r, todo, func(string) map[string]string { return labels })
}

// WriteCustomTagRecords writes the record of each custom tag given to the stage
// stageID. Like werf, it writes them on every build: a tag that moved to another
// stage must be recorded anew.
func (s *Storage) WriteCustomTagRecords(ctx context.Context, stageID string, customTags []string) error {
	r, err := s.recordsRepo(ctx)
	if err != nil {
		return err
	}
	byRecord := map[string]string{}
	var todo []string
	for _, t := range customTags {
		rec := CustomTagMetaTag(t)
		if _, ok := byRecord[rec]; !ok {
			todo = append(todo, rec)
		}
		byRecord[rec] = t
	}
	return s.pushRecords(ctx, r, todo, func(rec string) map[string]string {
		return map[string]string{LabelProject: s.project, labelCustomTagStageID: stageID, labelCustomTag: byRecord[rec]}
	})
}

// recordWriters bounds the records written at once.
const recordWriters = 8

// pushRecords writes records in parallel, each with its own manifest.
func (s *Storage) pushRecords(ctx context.Context, r *repo, tags []string, labels func(tag string) map[string]string) error {
	sem := make(chan struct{}, recordWriters)
	errs := make([]error, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			if err := s.pushRecord(ctx, r, tag, labels(tag)); err != nil {
				errs[i] = fmt.Errorf("record %s: %w", tag, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// recordsRepo is where records go: --repo, or the meta repository werf v3 keeps
// them in when --repo carries its marker and --meta-repo names that repository.
func (s *Storage) recordsRepo(ctx context.Context) (*repo, error) {
	s.metaOnce.Do(func() { s.meta, s.metaErr = s.findRecordsRepo(ctx) })
	return s.meta, s.metaErr
}

func (s *Storage) findRecordsRepo(ctx context.Context) (*repo, error) {
	tags, err := s.primary.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	marker := metaRepoMarkerPrefix + managedImageID(s.project)
	if !tags.has(marker) {
		if s.o.metaRepo != "" {
			return nil, fmt.Errorf("--meta-repo %s is given, but %s has no %s tag: its records are kept in --repo itself (drop --meta-repo)", s.o.metaRepo, s.primary.address, marker)
		}
		return s.primary, nil
	}
	d, err := s.primary.get(ctx, marker)
	if err != nil {
		return nil, err
	}
	img, err := d.Image()
	if err != nil {
		return nil, s.primary.errorf("read "+marker, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, s.primary.errorf("read "+marker, err)
	}
	addr := cfg.Config.Labels[labelMetaRepoAddress]
	if s.o.metaRepo == "" {
		return nil, fmt.Errorf("%s is managed by werf v3, which keeps its records in a separate meta repository (%s, tag %s): pass --meta-repo %s to write the records there", s.primary.address, addr, marker, addr)
	}
	meta, err := newRepo(s.o, "--meta-repo", s.o.metaRepo)
	if err != nil {
		return nil, err
	}
	if meta.name.String() != addr && s.o.metaRepo != addr {
		return nil, fmt.Errorf("--meta-repo %s is not the meta repository %s names (%s, tag %s)", s.o.metaRepo, s.primary.address, addr, marker)
	}
	return meta, nil
}

// recordTime is the creation time of the next record: now, and always later
// than the last one this storage made, so no two records share a manifest.
func (s *Storage) recordTime() time.Time {
	s.recordMu.Lock()
	defer s.recordMu.Unlock()
	t := s.o.now()
	if !t.After(s.lastRecord) {
		t = s.lastRecord.Add(time.Nanosecond)
	}
	s.lastRecord = t
	return t
}

// RecordedStages are the stages the meta records of the repository link image to,
// by commit: what werf and dagwerf builds of image came to at each commit, as
// the run's tag listing has them (indexed once; records this run writes are for
// its own commit, which nobody looks back to). Nothing else is requested.
func (s *Storage) RecordedStages(ctx context.Context, image string) (map[string]string, error) {
	s.metaIndexOnce.Do(func() { s.metaIndex, s.metaIndexErr = s.indexMetaRecords(ctx) })
	if s.metaIndexErr != nil {
		return nil, s.metaIndexErr
	}
	return maps.Clone(s.metaIndex[legacyHash(unslugImageName(managedImageID(image)))]), nil
}

// indexMetaRecords reads the meta records of the listing: by the image name's
// hash, the stage ID of each commit.
func (s *Storage) indexMetaRecords(ctx context.Context) (map[string]map[string]string, error) {
	r, err := s.recordsRepo(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := r.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	index := map[string]map[string]string{}
	for _, t := range tags.tags() {
		rest, ok := strings.CutPrefix(t, metaPrefix)
		if !ok {
			continue
		}
		parts := strings.Split(rest, "_") // werf's cleanup reads exactly three parts
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			continue
		}
		if index[parts[0]] == nil {
			index[parts[0]] = map[string]string{}
		}
		index[parts[0]][parts[1]] = parts[2]
	}
	return index, nil
}
