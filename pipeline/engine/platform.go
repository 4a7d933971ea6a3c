package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"dagger.io/dagger"
	"github.com/containerd/platforms"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ensurePlatform returns ctr with the platform a build asked for.
//
// Dagger v0.21.8 converts a Dockerfile whose result is a bare filesystem (FROM
// scratch with only COPY/ADD) into a container without a platform, which then
// takes the engine's own: an arm64 build of such a Dockerfile comes out saying
// linux/amd64 (util/llbtodagger, ensureContainerResult). Its layers are right;
// only the image config is wrong. Such an image goes once through a tarball whose
// config gets the platform asked for; every other build is left as it is.
func ensurePlatform(ctx context.Context, client *dagger.Client, ctr *dagger.Container, want string) (*dagger.Container, error) {
	got, err := ctr.Platform(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the built platform: %w", err)
	}
	same, err := samePlatform(string(got), want)
	if err != nil || same {
		return ctr, err
	}

	dir, err := os.MkdirTemp("", "dagwerf-platform-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	built, fixed := filepath.Join(dir, "built.tar"), filepath.Join(dir, "fixed.tar")
	if _, err := ctr.AsTarball().Export(ctx, built); err != nil {
		return nil, fmt.Errorf("export the %s image to set its platform %s: %w", got, want, err)
	}
	if err := setTarballPlatform(built, fixed, want); err != nil {
		return nil, err
	}
	imported := client.Container(dagger.ContainerOpts{Platform: dagger.Platform(want)}).Import(client.Host().File(fixed))
	if imported, err = imported.Sync(ctx); err != nil {
		return nil, fmt.Errorf("import the image with platform %s: %w", want, err)
	}
	return imported, nil
}

func samePlatform(a, b string) (bool, error) {
	pa, err := platforms.Parse(a)
	if err != nil {
		return false, fmt.Errorf("platform %q: %w", a, err)
	}
	pb, err := platforms.Parse(b)
	if err != nil {
		return false, fmt.Errorf("platform %q: %w", b, err)
	}
	return platforms.Format(platforms.Normalize(pa)) == platforms.Format(platforms.Normalize(pb)), nil
}

// setTarballPlatform copies the single-image tarball in to out with the image
// config's OS, architecture and variant set to platform.
func setTarballPlatform(in, out, platform string) error {
	p, err := platforms.Parse(platform)
	if err != nil {
		return fmt.Errorf("platform %q: %w", platform, err)
	}
	img, err := tarball.ImageFromPath(in, nil)
	if err != nil {
		return fmt.Errorf("read the exported image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("read the exported image config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag("dagwerf.invalid/platform:fixed")
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(out, ref, img); err != nil {
		return fmt.Errorf("write the image with platform %s: %w", platform, err)
	}
	return nil
}
