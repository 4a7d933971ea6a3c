package stages

import (
	"context"
	"strings"

	"github.com/dagwerf/dagwerf/config"
)

// ImportValues are what an image's stored stage hands to the images that import
// from it.
type ImportValues struct {
	Name   string // REPO:TAG of the stage
	ID     string // the image config's digest (sha256:…)
	Digest string // the manifest's digest (sha256:…)
}

// Get is the value of one import type. ImageRepo and ImageTag split Name at its
// last colon, as werf does.
func (v ImportValues) Get(t config.ImportType) string {
	repo, tag := v.Name, ""
	if i := strings.LastIndex(v.Name, ":"); i >= 0 {
		repo, tag = v.Name[:i], v.Name[i+1:]
	}
	switch t {
	case config.ImageName:
		return v.Name
	case config.ImageRepo:
		return repo
	case config.ImageTag:
		return tag
	case config.ImageID:
		return v.ID
	case config.ImageDigest:
		return v.Digest
	}
	return ""
}

// ImportSource finds the import values of an image's stage for a platform. The
// stages storage provides one: the values exist only once the stage is stored.
type ImportSource interface {
	ImportValues(ctx context.Context, image, platform string) (ImportValues, error)
}
