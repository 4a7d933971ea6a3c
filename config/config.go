package config

import (
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/dagwerf/dagwerf/config/giterminism"
)

// Config is a rendered, parsed and validated werf.yaml.
type Config struct {
	File     string // the config file, relative to the project directory
	Rendered []byte // the text after template rendering
	Meta     Meta
	Images   []*Image // Dockerfile and Stapel images, in document order

	templated   bool // the file has template actions: lines are those of Rendered
	files       *files
	giterminism *giterminism.Config
}

// Meta is the meta document.
type Meta struct {
	ConfigVersion int
	Project       string
	Build         Build
	Cleanup       Cleanup
	GitWorktree   GitWorktree
}

// Cleanup is the meta document's cleanup section.
type Cleanup struct {
	Disable                            bool
	DisableKubernetesBasedPolicy       bool
	DisableGitHistoryBasedPolicy       bool
	DisableBuiltWithinLastNHoursPolicy bool
	KeepImagesBuiltWithinLastNHours    *int         // nil: werf's default
	KeepPolicies                       []KeepPolicy // none: werf's default policies
}

// KeepPolicy is one of cleanup.keepPolicies: which git references keep images,
// and how many images each of them keeps. Unset values are left nil here;
// the cleanup applies werf's defaults to them.
type KeepPolicy struct {
	References         KeepReferences
	ImagesPerReference *KeepLimit // nil: werf's default (the last image)
}

// KeepReferences selects git references: remote branches whose name (without
// "origin/") matches Branch, or tags whose name matches Tag; exactly one is
// set. A value written /…/ is a regular expression, any other an exact name;
// both are anchored.
type KeepReferences struct {
	Branch *regexp.Regexp
	Tag    *regexp.Regexp
	Limit  *KeepLimit // nil: every matching reference
}

// KeepLimit is a limit by count (last), by age (in) or both, combined with
// operator "And" or "Or" ("" when unset).
type KeepLimit struct {
	Last     *int
	In       *time.Duration
	Operator string
}

// GitWorktree is the meta document's gitWorktree section; nil is unset.
type GitWorktree struct {
	ForceShallowClone               *bool
	AllowUnshallow                  *bool
	AllowFetchOriginBranchesAndTags *bool
}

// GitHistoryRecords reports whether a build writes werf's records that link
// images to commits for the git-history-based cleanup: not when cleanup, or
// that policy, is disabled, as werf decides.
func (c Cleanup) GitHistoryRecords() bool { return !c.Disable && !c.DisableGitHistoryBasedPolicy }

// Build is the meta document's build section: defaults for every image.
type Build struct {
	Platform     []string
	CacheVersion string
	Staged       bool
	ImageSpec    *ImageSpec // applies to final images only
}

// Image is one image of a Dockerfile document. A document that lists several names
// yields one Image per name.
type Image struct {
	Name            string // "" is the nameless image, shown as "~"
	Final           bool
	Dockerfile      string // relative to Context; "" means "Dockerfile"
	Context         string // relative to the project directory; "" is the project directory
	ContextAddFiles []string
	Target          string
	Args            map[string]string
	AddHost         []string
	Network         string
	SSH             string
	Secrets         []Secret
	Dependencies    []Dependency
	Staged          bool
	Platform        []string
	CacheVersion    string     // the image's own, else build.cacheVersion
	ImageSpec       *ImageSpec // with build.imageSpec merged in for final images

	// Stapel is set for a Stapel image; Dockerfile keys above are then unset
	// (Secrets, Dependencies, Platform, CacheVersion, ImageSpec, Final apply to both).
	Stapel *Stapel

	Doc *Document // the document that declares it

	refs []imageRef // the image names it uses, where written; for validate
}

// LogName is the image's name as werf prints it: "~" for the nameless image.
func (i *Image) LogName() string { return LogName(i.Name) }

// LogName is a name as werf prints it: "~" for the nameless image.
func LogName(name string) string {
	if name == "" {
		return "~"
	}
	return name
}

// Secret is a build secret: exactly one of Env, Src and Value is set.
type Secret struct {
	ID    string
	Env   string // the environment variable holding it
	Src   string // the file holding it
	Value string // the secret itself, from werf.yaml
}

// Dependency passes values of another image's build into this one's build args.
type Dependency struct {
	Image   string
	Imports []Import
	// Stapel only: the dependencies stage that takes it, "install" or "setup"
	// (exactly one is set).
	Before string
	After  string
}

// Import is one value of a dependency, passed as a build arg.
type Import struct {
	Type           ImportType
	TargetBuildArg string // Dockerfile images
	TargetEnv      string // Stapel images: the environment variable of the stage
}

// ImportType is what an import passes.
type ImportType string

// The import types werf knows.
const (
	ImageName   ImportType = "ImageName"   // REPO:TAG of the dependency's stage
	ImageRepo   ImportType = "ImageRepo"   // REPO
	ImageTag    ImportType = "ImageTag"    // TAG
	ImageID     ImportType = "ImageID"     // the config digest
	ImageDigest ImportType = "ImageDigest" // the manifest digest
)

// ImportTypes lists them in werf's order.
var ImportTypes = []ImportType{ImageName, ImageTag, ImageRepo, ImageID, ImageDigest}

// ImageSpec changes the image's config after the build, in a stage of its own
// (package stages/imagespec). werf gives that stage to non-staged images only.
type ImageSpec struct {
	Author       string
	ClearHistory bool
	Config       ImageSpecConfig
}

// ImageSpecConfig is imageSpec.config.
type ImageSpecConfig struct {
	KeepEssentialWerfLabels bool
	ClearWerfLabels         bool
	ClearCmd                bool
	ClearEntrypoint         bool
	ClearUser               bool
	ClearWorkingDir         bool
	RemoveLabels            []string
	RemoveVolumes           []string
	RemoveEnv               []string
	Volumes                 []string
	Labels                  map[string]string
	Env                     map[string]string
	Expose                  []string
	User                    string
	Cmd                     []string
	Entrypoint              []string
	WorkingDir              string
	StopSignal              string
	Healthcheck             *Healthcheck
}

// Healthcheck is imageSpec.config.healthcheck; werf reads its keys in lower case.
// Durations are in seconds; none is negative (config refuses it, werf does not).
type Healthcheck struct {
	Test        []string
	Interval    int
	Timeout     int
	StartPeriod int
	Retries     int
}

// Image returns the image with that name, or nil.
func (c *Config) Image(name string) *Image {
	for _, img := range c.Images {
		if img.Name == name {
			return img
		}
	}
	return nil
}

// ImageNames lists the images' names in document order.
func (c *Config) ImageNames() []string {
	names := make([]string, len(c.Images))
	for i, img := range c.Images {
		names[i] = img.Name
	}
	return names
}

// mergeImageSpec applies build.imageSpec to a final image's imageSpec as werf does:
// the meta author wins, clearHistory and keepEssentialWerfLabels add up, meta
// labels override, removed labels are the union; the meta clearWerfLabels is
// dropped (werf ignores that key anyway).
func mergeImageSpec(meta, image *ImageSpec) *ImageSpec {
	if meta == nil {
		return image
	}
	merged := ImageSpec{}
	if image != nil {
		merged = *image
		merged.Config.Labels = maps.Clone(image.Config.Labels)
		merged.Config.RemoveLabels = slices.Clone(image.Config.RemoveLabels)
	}
	if meta.Author != "" {
		merged.Author = meta.Author
	}
	merged.ClearHistory = merged.ClearHistory || meta.ClearHistory
	merged.Config.KeepEssentialWerfLabels = merged.Config.KeepEssentialWerfLabels || meta.Config.KeepEssentialWerfLabels
	for k, v := range meta.Config.Labels {
		if merged.Config.Labels == nil {
			merged.Config.Labels = map[string]string{}
		}
		merged.Config.Labels[k] = v
	}
	for _, l := range meta.Config.RemoveLabels {
		if !slices.Contains(merged.Config.RemoveLabels, l) {
			merged.Config.RemoveLabels = append(merged.Config.RemoveLabels, l)
		}
	}
	return &merged
}
