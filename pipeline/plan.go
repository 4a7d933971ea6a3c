package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/config"
)

// DefaultParallelTasksLimit is werf's default for --parallel-tasks-limit.
const DefaultParallelTasksLimit = 5

// Plan is what one build does: sets of tasks that run one set after another; the
// tasks of a set depend only on tasks of earlier sets.
type Plan struct {
	Sets            [][]*Task
	Selected        []*config.Image // the images asked for; the others are their dependencies
	Parallel        bool            // run a set's tasks concurrently (--parallel)
	Limit           int             // at most this many at once; ≤ 0 is no limit (--parallel-tasks-limit)
	DefaultPlatform string
}

// Task is one image built for one platform.
type Task struct {
	Image     *config.Image
	Platform  string   // normalized os/arch[/variant]
	Platforms []string // every platform the image is built for
	Index     int      // 1-based position in the plan, for "(i/N)"
}

// Tasks lists the plan's tasks in order.
func (p *Plan) Tasks() []*Task {
	var out []*Task
	for _, set := range p.Sets {
		out = append(out, set...)
	}
	return out
}

// PlanOption changes how NewPlan builds a plan.
type PlanOption func(*planOptions)

type planOptions struct {
	images          []string
	finalOnly       bool
	platforms       []string
	defaultPlatform string
	parallel        bool
	limit           int
}

// WithImages selects images by name or glob; `!` excludes (werf's IMAGE_NAME args).
func WithImages(patterns ...string) PlanOption {
	return func(o *planOptions) { o.images = patterns }
}

// WithFinalImagesOnly leaves non-final images out unless a selected image needs them.
func WithFinalImagesOnly() PlanOption { return func(o *planOptions) { o.finalOnly = true } }

// WithPlatforms builds every image for these platforms (--platform), overriding werf.yaml.
func WithPlatforms(platforms ...string) PlanOption {
	return func(o *planOptions) { o.platforms = platforms }
}

// WithDefaultPlatform is the platform of images that name none (the host's by default).
func WithDefaultPlatform(platform string) PlanOption {
	return func(o *planOptions) { o.defaultPlatform = platform }
}

// WithParallelism sets --parallel and --parallel-tasks-limit.
func WithParallelism(parallel bool, limit int) PlanOption {
	return func(o *planOptions) { o.parallel, o.limit = parallel, limit }
}

// NewPlan selects images, adds what they depend on, expands them per platform and
// groups them into sets.
func NewPlan(cfg *config.Config, opts ...PlanOption) (*Plan, error) {
	o := planOptions{parallel: true, limit: DefaultParallelTasksLimit, defaultPlatform: DefaultPlatform()}
	for _, opt := range opts {
		opt(&o)
	}
	if o.limit <= 0 {
		o.limit = -1
	}
	forced, err := NormalizePlatforms(o.platforms)
	if err != nil {
		return nil, fmt.Errorf("--platform: %w", err)
	}
	selected, err := SelectImages(cfg, o.images, o.finalOnly)
	if err != nil {
		return nil, err
	}
	platformsOf, err := targetPlatforms(cfg, forced, o.defaultPlatform)
	if err != nil {
		return nil, err
	}
	images := withDependencies(cfg, selected)
	if err := checkDependencyPlatforms(images, platformsOf); err != nil {
		return nil, err
	}

	plan := &Plan{Selected: selected, Parallel: o.parallel, Limit: o.limit, DefaultPlatform: o.defaultPlatform}
	index := 0
	for _, set := range independentSets(images) {
		var tasks []*Task
		for _, img := range set {
			for _, p := range platformsOf[img.Name] {
				index++
				tasks = append(tasks, &Task{Image: img, Platform: p, Platforms: platformsOf[img.Name], Index: index})
			}
		}
		plan.Sets = append(plan.Sets, tasks)
	}
	return plan, nil
}

// targetPlatforms resolves each image's platforms: --platform, else the image's
// platform, else build.platform, else the default.
func targetPlatforms(cfg *config.Config, forced []string, def string) (map[string][]string, error) {
	common, err := NormalizePlatforms(cfg.Meta.Build.Platform)
	if err != nil {
		return nil, fmt.Errorf("%s: build.platform: %w", cfg.File, err)
	}
	out := make(map[string][]string, len(cfg.Images))
	for _, img := range cfg.Images {
		own, err := NormalizePlatforms(img.Platform)
		if err != nil {
			return nil, fmt.Errorf("%s: image %q: platform: %w", cfg.File, img.LogName(), err)
		}
		switch {
		case len(forced) > 0:
			out[img.Name] = forced
		case len(own) > 0:
			out[img.Name] = own
		case len(common) > 0:
			out[img.Name] = common
		default:
			out[img.Name] = []string{def}
		}
	}
	return out, nil
}

// withDependencies adds every image the selected ones depend on, directly or not,
// keeping the configuration's order.
func withDependencies(cfg *config.Config, selected []*config.Image) []*config.Image {
	need := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if need[name] {
			return
		}
		need[name] = true
		if img := cfg.Image(name); img != nil {
			for _, d := range img.DependsOn() {
				visit(d)
			}
		}
	}
	for _, img := range selected {
		visit(img.Name)
	}
	var out []*config.Image
	for _, img := range cfg.Images {
		if need[img.Name] {
			out = append(out, img)
		}
	}
	return out
}

// checkDependencyPlatforms requires a dependency to be built for every platform of
// the image that depends on it: the import values are per platform.
func checkDependencyPlatforms(images []*config.Image, platformsOf map[string][]string) error {
	for _, img := range images {
		for _, dep := range img.DependsOn() {
			for _, p := range platformsOf[img.Name] {
				if !slices.Contains(platformsOf[dep], p) {
					return fmt.Errorf("image %q targets %s, but image %q it depends on is built for %s only: add %s to the platforms of %q",
						img.LogName(), p, config.LogName(dep), strings.Join(platformsOf[dep], ", "), p, config.LogName(dep))
				}
			}
		}
	}
	return nil
}

// independentSets layers images so that each depends only on earlier layers (werf's
// GroupImagesByIndependentSets), keeping the configuration's order within a layer.
// The configuration has no cycles: package config refused them.
func independentSets(images []*config.Image) [][]*config.Image {
	level := map[string]int{}
	var depth func(img *config.Image) int
	byName := map[string]*config.Image{}
	for _, img := range images {
		byName[img.Name] = img
	}
	depth = func(img *config.Image) int {
		if l, ok := level[img.Name]; ok {
			return l
		}
		l := 0
		for _, d := range img.DependsOn() {
			if dep := byName[d]; dep != nil {
				l = max(l, depth(dep)+1)
			}
		}
		level[img.Name] = l
		return l
	}
	var sets [][]*config.Image
	for _, img := range images {
		l := depth(img)
		for len(sets) <= l {
			sets = append(sets, nil)
		}
		sets[l] = append(sets[l], img)
	}
	return sets
}
