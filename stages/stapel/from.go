package stapel

import (
	"context"
	"fmt"
	"path"
	"path/filepath"

	"github.com/dagwerf/dagwerf/stages"
)

// fromStep is the first stage: the base image, with the image's cache versions
// and mounts (pkg/build/stage/from.go).
type fromStep struct{ baseStep }

func (fromStep) name() StageName { return From }

// baseImage is what the from stage starts from.
type baseImage struct {
	ref           string // the external reference, or the fromImage's last stage image
	contentDigest string // fromImage: its last stage's content digest
	labels        map[string]string
	scratch       bool
	external      bool
}

// baseImage reads the base once: another image's last stage for fromImage,
// the registry's labels for an external base (when Options says how).
func (c *Chain) baseImage(ctx context.Context) (*baseImage, error) {
	if c.base != nil {
		return c.base, nil
	}
	s := c.img.Stapel
	b := &baseImage{}
	switch {
	case s.From == "scratch":
		b.scratch = true
	case s.FromImage != "":
		ref, err := c.opts.Images.LastStage(ctx, s.FromImage, c.opts.Platform)
		if err != nil {
			return nil, fmt.Errorf("fromImage %q: %w", s.FromImage, err)
		}
		b.ref, b.contentDigest, b.labels = ref.Name, ref.ContentDigest, ref.Labels
	default:
		b.ref, b.external = s.From, true
		if c.opts.BaseImageLabels != nil {
			labels, err := c.opts.BaseImageLabels(ctx, s.From)
			if err != nil {
				return nil, fmt.Errorf("base image %s: labels: %w", s.From, err)
			}
			b.labels = labels
		}
	}
	c.base = b
	return b, nil
}

// dependencies: the image's cacheVersion (the image's own, else
// build.cacheVersion), fromCacheVersion, with fromLatest the base image's ID,
// each mount's from, to and type, and then the base: "scratch", the fromImage's
// content digest, or the external reference as written.
func (fromStep) dependencies(ctx context.Context, c *Chain, _ *resolved, s *Stage) (string, []Input, error) {
	cfg := c.img.Stapel
	var parts []Input
	if c.img.CacheVersion != "" {
		parts = append(parts, Input{"cacheVersion", c.img.CacheVersion})
	}
	if cfg.FromCacheVersion != "" {
		parts = append(parts, Input{"fromCacheVersion", cfg.FromCacheVersion})
	}
	b, err := c.baseImage(ctx)
	if err != nil {
		return "", nil, err
	}
	if cfg.FromLatest && b.external {
		id, err := c.opts.BaseImageID(ctx, cfg.From)
		if err != nil {
			return "", nil, fmt.Errorf("fromLatest: ID of base image %s: %w", cfg.From, err)
		}
		parts = append(parts, Input{"fromLatest base image ID", id})
	}
	for i, m := range cfg.Mounts {
		from, typ := werfMount(m.From, m.FromPath)
		key := fmt.Sprintf("mount[%d]", i)
		parts = append(parts,
			Input{key + ".from", filepath.ToSlash(filepath.Clean(from))},
			Input{key + ".to", path.Clean(m.To)},
			Input{key + ".type", typ},
		)
	}
	switch {
	case b.scratch:
		parts = append(parts, Input{"base", "scratch"})
		s.Scratch = true
	case !b.external:
		parts = append(parts, Input{"fromImage " + cfg.FromImage + " content digest", b.contentDigest})
		s.BaseRef = b.ref
	default:
		parts = append(parts, Input{"base image", b.ref})
		s.BaseRef = b.ref
	}
	return stages.Sha256(values(parts)...), parts, nil
}

// labels: the mount labels, merged with those of the base image; a scratch
// base gets none (it is made without a build).
func (fromStep) labels(ctx context.Context, c *Chain, prev *resolved, s *Stage) (map[string]string, error) {
	if s.Scratch {
		return map[string]string{}, nil
	}
	base, err := c.labelsOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	return mountLabels(base, c.img.Stapel.Mounts), nil
}

// werfMount is a mount as werf's config holds it (pkg/config/raw_mount.go):
// From is the host path of `fromPath`, Type is `from`, or custom_dir.
func werfMount(from, fromPath string) (werfFrom, werfType string) {
	if from == "" {
		return fromPath, "custom_dir"
	}
	return fromPath, from
}

func values(in []Input) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = v.Value
	}
	return out
}
