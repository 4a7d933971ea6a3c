package staged

import (
	"fmt"
	"maps"

	"github.com/dagwerf/dagwerf/stages"
)

// fromStage is the name of the stage every image starts with (V2).
const fromStage = "FROM"

// fromDependencies is the FROM stage's dependency string (§4.2). werf's repo
// digest argument is always "" in practice; it is kept for werf's own tests.
func fromDependencies(ref, repoDigest, cacheVersion string) string {
	args := []string{"BaseImageReference", ref}
	if repoDigest != "" {
		args = append(args, "BaseImageRepoDigest", repoDigest)
	}
	if cacheVersion != "" {
		args = append(args, "ImageCacheVersion", cacheVersion)
	}
	return stages.Sha256(args...)
}

// FromDigest is the digest of the image's FROM stage (§4.2), and the registry
// reference it pulls, dependency imports expanded; "" for a stage base, which adds
// the full name of its base image's last stage instead.
func (img *Image) FromDigest(in Inputs) (digest, baseRef string, err error) {
	if img.BaseImage != "" {
		last, err := img.lastImageName(in, img.BaseImage)
		if err != nil {
			return "", "", img.errorAt(img.line, fmt.Errorf("FROM: %w", err))
		}
		return stages.StageDigest(in.Platform, fromStage, fromDependencies("", "", in.CacheVersion), last), "", nil
	}
	ref, err := lexer(img.Escape, false).ProcessWordWithMap(img.BaseRef, in.DependencyArgs)
	if err != nil {
		return "", "", img.errorAt(img.line, fmt.Errorf("unable to expand dockerfile base image reference %q: %w", img.BaseRef, err))
	}
	if ref == "" {
		return "", "", img.errorAt(img.line, fmt.Errorf("FROM %s expands to an empty string: expected an image name (is it a dependency import of the werf.yaml image?)", img.BaseRef))
	}
	return stages.StageDigest(in.Platform, fromStage, fromDependencies(ref, "", in.CacheVersion)), ref, nil
}

// StepDigest is the digest of the image's step i (§4.1): its dependency string
// chained to prev, the digest of the stage before it (FROM for step 0).
func (img *Image) StepDigest(i int, prev string, in Inputs) (string, error) {
	deps, err := img.StepDependencies(i, in)
	if err != nil {
		return "", err
	}
	return stages.StageDigest(in.Platform, img.Steps[i].Name, deps, prev, ""), nil
}

// StepDependencies is the dependency string of the image's step i (§4.3, §4.4):
// werf's GetDependencies after the second-stage expansion, what werf's own
// instruction tests check. The image is left as it was.
func (img *Image) StepDependencies(i int, in Inputs) (string, error) {
	if i < 0 || i >= len(img.Steps) {
		return "", fmt.Errorf("%s: werf image %q has no step %d: it has %d", img.path, img.Name, i, len(img.Steps))
	}
	step := img.Steps[i]
	args, err := img.dependencies(step, in)
	if err != nil {
		return "", img.errorAt(step.Node.StartLine, fmt.Errorf("%s: %w", step.Name, err))
	}
	return stages.Sha256(args...), nil
}

// expandStep is the second-stage expansion of a step (§4.3), on a copy: the
// snapshot values against the default PATH and the base image's env, then the
// instruction against those with every dependency import over them, unknown
// variables becoming "". It returns the env a RUN sees.
func (img *Image) expandStep(step *Step, in Inputs) (cmd any, env map[string]string, err error) {
	lex := lexer(img.Escape, false)
	expanded, err := expandedEnv(step.env, in.BaseEnv, lex)
	if err != nil {
		return nil, nil, fmt.Errorf("2nd stage env expansion failed: %w", err)
	}
	env = maps.Clone(expanded)
	maps.Copy(env, in.DependencyArgs)
	c, err := step.cloneForExpansion()
	if err != nil {
		return nil, nil, err
	}
	if err := safely(func() error { return expandCommand(c, env, lex) }); err != nil {
		return nil, nil, fmt.Errorf("2nd stage instruction expansion failed: %w", err)
	}
	return c, env, nil
}

// lastImageName asks for the full name of a werf image's last stage.
func (img *Image) lastImageName(in Inputs, image string) (string, error) {
	if in.LastImageName == nil {
		return "", fmt.Errorf("the name of werf image %q's last stage is needed, and none is given", image)
	}
	name, err := in.LastImageName(image)
	if err != nil {
		return "", fmt.Errorf("werf image %q: %w", image, err)
	}
	if name == "" {
		return "", fmt.Errorf("werf image %q has no last stage name", image)
	}
	return name, nil
}

func (img *Image) errorAt(line int, err error) error {
	return fmt.Errorf("%s:%d: werf image %q: %w", img.path, line, img.Name, err)
}
