package pipeline

import (
	"context"
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// StorageImports finds the import values of dependencies in the stages storage:
// the dependency is addressed (recursively, with its own imports) and its stage
// looked up. It serves `dagwerf digest` against a repository, where nothing is built.
type StorageImports struct {
	Config     *config.Config
	Calculator *stages.Calculator
	Storage    *registry.Storage
}

func (s StorageImports) ImportValues(ctx context.Context, image, platform string) (stages.ImportValues, error) {
	img := s.Config.Image(image)
	if img == nil {
		return stages.ImportValues{}, fmt.Errorf("image %q is not in werf.yaml", config.LogName(image))
	}
	digest, err := Digest(ctx, s.Config, s.Calculator, s.Storage, img, platform, s)
	if err != nil {
		return stages.ImportValues{}, err
	}
	desc, err := s.Storage.Lookup(ctx, digest)
	if err != nil {
		return stages.ImportValues{}, err
	}
	if desc == nil {
		return stages.ImportValues{}, fmt.Errorf("its stage %s is not in %s yet: build it first", digest, s.Storage.Repo())
	}
	return desc.ImportValues(), nil
}
