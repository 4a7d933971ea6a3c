package module

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/sprig/v3"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Files of a module's images. Deckhouse finds version.json, module.yaml and
// the changelog by their tar entry names, exactly; images_digests.json is read
// from the module's directory once the bundle is unpacked.
const (
	versionFile       = "version.json"
	moduleFile        = "module.yaml"
	changelogFile     = "changelog.yaml"
	changelogFileYml  = "changelog.yml"
	imagesDigestsFile = "images_digests.json"
)

// exactNames are the files Deckhouse matches by tar entry name.
var exactNames = []string{versionFile, moduleFile, changelogFile, changelogFileYml}

// problems collects what keeps a module from being released, each a sentence
// that names the image and the file.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// CheckError is a build that Deckhouse would not read as the module actions
// publish it: every problem found, none published.
type CheckError struct {
	What     string // "module hello v1.2.3"
	Problems []string
}

func (e *CheckError) Error() string {
	if len(e.Problems) == 1 {
		return fmt.Sprintf("%s: %s", e.What, e.Problems[0])
	}
	return fmt.Sprintf("%s: %d problems:\n  - %s", e.What, len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// imageFiles are the root files of one image of a module, by platform.
type imageFiles struct {
	what     string // `bundle image REG/REPO:TAG`
	byImage  []platformFiles
	required []string // files the image must have
}

type platformFiles struct {
	platform string // "" for a single image
	files    map[string]rootFile
}

func (f platformFiles) where(what string) string {
	if f.platform == "" {
		return what
	}
	return what + " (" + f.platform + ")"
}

// readImageFiles reads the root files Deckhouse takes from an image (and
// extra ones), for each of its platforms.
func readImageFiles(what string, t *registry.Tagged, extra ...string) (imageFiles, error) {
	imgs, err := t.Images()
	if err != nil {
		return imageFiles{}, err
	}
	if len(imgs) == 0 {
		return imageFiles{}, fmt.Errorf("%s: an index that lists no image", what)
	}
	out := imageFiles{what: what}
	for _, pi := range imgs {
		files, err := rootFiles(pi.Image, append(slices.Clone(exactNames), extra...)...)
		if err != nil {
			return imageFiles{}, fmt.Errorf("%s: %w", platformFiles{platform: pi.Platform}.where(what), err)
		}
		out.byImage = append(out.byImage, platformFiles{platform: pi.Platform, files: files})
	}
	return out, nil
}

// checkEntries: the files Deckhouse matches by name are regular files whose
// entries are named exactly so, at the root, without "./" or "/".
func (f imageFiles) checkEntries(p *problems) {
	for _, pf := range f.byImage {
		for _, n := range exactNames {
			e, ok := pf.files[n]
			if !ok {
				continue
			}
			if e.Entry != n {
				p.addf("%s: its tar entry %q is not named %q: Deckhouse matches the entry name exactly and would not find the file; put it at the image root as %q (without \"./\")", pf.where(f.what), e.Entry, n, n)
			}
			if e.Typeflag != tar.TypeReg && e.Typeflag != tar.TypeRegA { //nolint:staticcheck // old tars write TypeRegA
				p.addf("%s: %s is %s, not a regular file: Deckhouse reads the file's bytes from its tar entry", pf.where(f.what), n, typeName(e.Typeflag))
			}
		}
	}
}

// checkVersion: version.json is {"version": TAG}.
func (f imageFiles) checkVersion(p *problems, tag string) {
	for _, pf := range f.byImage {
		where := pf.where(f.what)
		e, ok := pf.files[versionFile]
		if !ok {
			p.addf("%s: no %s at the image root: Deckhouse reads the module's version from it", where, versionFile)
			continue
		}
		v, err := parseVersion(e.Content)
		switch {
		case err != nil:
			p.addf("%s: %s is not {\"version\": \"%s\"}: %v", where, versionFile, tag, err)
		case v != tag:
			p.addf("%s: %s says %q, not the tag %q: build with --tag %s (%s), which the module's werf.yaml writes into %s", where, versionFile, v, tag, tag, TagVariable, versionFile)
		}
	}
}

// parseVersion reads version.json: {"version": "…"}.
func parseVersion(data []byte) (string, error) {
	var v struct {
		Version *string `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return "", err
	}
	if v.Version == nil || *v.Version == "" {
		return "", fmt.Errorf("no \"version\"")
	}
	return *v.Version, nil
}

func typeName(flag byte) string {
	switch flag {
	case tar.TypeDir:
		return "a directory"
	case tar.TypeSymlink:
		return "a symbolic link"
	case tar.TypeLink:
		return "a hard link"
	default:
		return fmt.Sprintf("a tar entry of type %q", flag)
	}
}

// digestPattern is a manifest digest as images_digests.json holds it.
var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// checkImagesDigests: the bundle's images_digests.json names every final
// application image of the build by one of its digests, and every digest it
// names is in repo, where lib-helm's templates will pull <repo>@<digest>.
func (f imageFiles) checkImagesDigests(ctx context.Context, p *problems, report *pipeline.Report, repo *registry.Repository) error {
	for _, pf := range f.byImage {
		where := pf.where(f.what)
		e, ok := pf.files[imagesDigestsFile]
		if !ok {
			p.addf("%s: no %s at the image root: the module's templates find their images' digests there (deckhouse/modules-template imports it from images-digests-and-version)", where, imagesDigestsFile)
			continue
		}
		var digests map[string]string
		if err := json.Unmarshal(e.Content, &digests); err != nil {
			p.addf("%s: %s is not an object of image names and digests: %v", where, imagesDigestsFile, err)
			continue
		}
		byDigest := map[string][]string{}
		keys := make([]string, 0, len(digests))
		for k, d := range digests {
			keys = append(keys, k)
			byDigest[d] = append(byDigest[d], k)
		}
		slices.Sort(keys)
		for _, img := range finalAppImages(report) {
			if slices.ContainsFunc(imageDigests(report, img), func(d string) bool { return byDigest[d] != nil }) {
				continue
			}
			key := digestsKey(img)
			msg := fmt.Sprintf("%s: %s has no digest of the final image %q (%s); deckhouse/modules-template names it %q", where, imagesDigestsFile, img, report.Images[img].DockerImageDigest, key)
			if d, ok := digests[key]; ok {
				msg += ", under which it has " + d
			}
			p.addf("%s: images-digests-and-version must depend on every final image (imports: type ImageDigest)", msg)
		}
		for _, k := range keys {
			d := digests[k]
			if !digestPattern.MatchString(d) {
				p.addf("%s: %s: %q is %q, not a digest (sha256:<64 hex>)", where, imagesDigestsFile, k, d)
				continue
			}
			has, err := repo.Has(ctx, d)
			if err != nil {
				return err
			}
			if !has {
				p.addf("%s: %s: %q is %s, which %s does not have: Deckhouse would run %s@%s and fail to pull it", where, imagesDigestsFile, k, d, repo.Address(), repo.Address(), d)
			}
		}
	}
	return nil
}

// finalAppImages are the final images of a build besides the bundle and the
// release image: the module's application images, by name.
func finalAppImages(report *pipeline.Report) []string {
	var out []string
	for n, rec := range report.Images {
		if rec.Final && n != BundleImage && n != ReleaseImage {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// imageDigests are the manifest digests an image of the report has: its own
// (a manifest list's, for several platforms) and each platform's.
func imageDigests(report *pipeline.Report, img string) []string {
	out := []string{report.Images[img].DockerImageDigest}
	for _, rec := range report.ImagesByPlatform[img] {
		out = append(out, rec.DockerImageDigest)
	}
	return out
}

// camel is sprig's camelcase and untitle, which the module template's
// images-digests.yaml applies to the last segment of an image's name.
var camel = sync.OnceValue(func() func(string) string {
	fns := sprig.TxtFuncMap()
	camelcase := fns["camelcase"].(func(string) string)
	untitle := fns["untitle"].(func(string) string)
	return func(s string) string { return untitle(camelcase(s)) }
})

// digestsKey is the key deckhouse/modules-template gives an image in
// images_digests.json: `$ImageID | splitList "/" | last | camelcase | untitle`.
func digestsKey(image string) string {
	return camel()(image[strings.LastIndex(image, "/")+1:])
}
