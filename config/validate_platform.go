package config

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// checkPlatformRefs is werf's image platform cross-reference check
// (pkg/config/validator_image_platform.go): an image's dependencies, and the
// imports of a Stapel image from images of werf.yaml, must exist for every
// platform the image lists. A document without platform stands for the host's
// platform (werf's runtime GOOS/GOARCH); build.platform does not count. werf
// lists artifacts under no platform at all, so a dependency on an artifact never
// passes, and an import from one is not checked.
func checkPlatformRefs(cfg *Config) error {
	have := map[string][]string{}
	for _, img := range cfg.Images {
		if img.Stapel == nil || !img.Stapel.Artifact {
			have[img.Name] = docPlatforms(img)
		}
	}
	for _, img := range cfg.Images {
		for _, r := range img.references() {
			dependency := strings.HasPrefix(r.Key, "dependencies[")
			if !dependency && !strings.HasPrefix(r.Key, "import[") {
				continue
			}
			platforms, declared := have[r.Name]
			if !dependency && (!declared || strings.HasSuffix(r.Key, ".artifact")) {
				continue // werf takes these for external images
			}
			for _, p := range docPlatforms(img) {
				if slices.Contains(platforms, p) {
					continue
				}
				what := "dependency"
				if !dependency {
					what = "import source"
				}
				if dep := cfg.Image(r.Name); dep != nil && dep.Stapel != nil && dep.Stapel.Artifact {
					return refError(cfg, img, r, "artifact %q cannot be a dependency (werf checks a dependency's platforms, and an artifact has none): declare it as image: with final: false", r.Name)
				}
				return refError(cfg, img, r, "%s %q is not declared for platform %s, which %q is built for: %s", what, r.Name, p, img.LogName(), platformHint(r.Name, p, platforms))
			}
		}
	}
	return nil
}

// docPlatforms are the platforms a document lists, else the host's.
func docPlatforms(img *Image) []string {
	if len(img.Platform) > 0 {
		return img.Platform
	}
	return []string{runtime.GOOS + "/" + runtime.GOARCH}
}

func platformHint(name, missing string, has []string) string {
	return fmt.Sprintf("add %s to the platform of %q (it has %s)", missing, LogName(name), strings.Join(has, ", "))
}
