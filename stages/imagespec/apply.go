package imagespec

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/containerd/platforms"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/config"
)

// The labels werf keeps on the imageSpec stage whatever removeLabels matches:
// its cleanup needs them. They can still be overwritten by imageSpec's labels.
var essentialLabels = []string{"werf", "werf-stage-content-digest", "werf.io/parent-stage-id", "werf-project-repo-commit"}

// EssentialLabelsWarning is what to tell the user when removeLabels matched an
// essential label and keepEssentialWerfLabels is not set (werf's global warning,
// in other words).
const EssentialLabelsWarning = `imageSpec: the "werf", "werf-stage-content-digest", "werf.io/parent-stage-id" and "werf-project-repo-commit" labels are kept although removeLabels matches them: werf's cleanup needs them. To drop every werf label, use werf export. Set keepEssentialWerfLabels to silence this warning.`

// Options are what Apply needs besides the previous stage's config and the spec.
type Options struct {
	// Platform, when set, becomes the config's os, architecture and variant, as
	// werf sets them from the target platform (containerd's normalisation:
	// linux/arm64 has no variant, linux/arm/v7 has v7).
	Platform string
	Project  string // for %project% in labels
	Image    string // the werf image name for %image%; "" for the nameless image
	// Labels are the stage's own labels (werf's service labels: werf,
	// werf-version, werf-stage-content-digest, werf.io/parent-stage-id,
	// werf.io/base-image-id): they override the previous stage's labels of the
	// same name, and removeLabels may then remove those that are not essential.
	Labels map[string]string
	// Warn, if set, receives EssentialLabelsWarning when werf would print it.
	Warn func(string)
}

// werf leaves these in a stage's env after the build, and always takes them out
// of the imageSpec stage's.
var werfCommitEnv = []string{"WERF_COMMIT_HASH", "WERF_COMMIT_TIME_HUMAN", "WERF_COMMIT_TIME_UNIX"}

// werf drops SSH_AUTH_SOCK when it is the socket werf mounted for the build.
const (
	sshAuthSockEnv  = "SSH_AUTH_SOCK"
	werfSSHAuthSock = "/.werf/tmp/ssh-auth-sock"
)

// Apply returns the config the imageSpec stage's image has: cfg, the previous
// stage's config, changed by spec as werf changes it. cfg is not modified. The
// layers, rootfs, created time and the rest of the config stay; the caller
// publishes the previous stage's manifest with this config in place of its own.
//
// The env is a list in werf's map order, which is random; Apply keeps the order
// of the entries that stay and appends new names sorted, so that its output is
// stable.
func Apply(cfg *v1.ConfigFile, spec *config.ImageSpec, opts Options) (*v1.ConfigFile, error) {
	if cfg == nil {
		return nil, errors.New("imageSpec: no config to change")
	}
	if spec == nil {
		return nil, errors.New("imageSpec: no imageSpec")
	}
	c := &spec.Config
	out := cfg.DeepCopy()

	if opts.Platform != "" {
		p, err := platforms.Parse(opts.Platform)
		if err != nil {
			return nil, fmt.Errorf("imageSpec: platform %q: %w", opts.Platform, err)
		}
		out.OS, out.Architecture, out.Variant = p.OS, p.Architecture, p.Variant
	}

	labels, err := applyLabels(cfg.Config.Labels, opts.Labels, c, opts.Project, opts.Image, opts.Warn)
	if err != nil {
		return nil, fmt.Errorf("imageSpec: labels: %w", err)
	}
	out.Config.Labels = labels

	env, err := applyEnv(cfg.Config.Env, c.RemoveEnv, c.Env)
	if err != nil {
		return nil, fmt.Errorf("imageSpec: env: %w", err)
	}
	out.Config.Env = env

	out.Config.Volumes = applyVolumes(cfg.Config.Volumes, c.RemoveVolumes, c.Volumes)

	// expose replaces the exposed ports, an empty list clearing them; the ports
	// are taken as written ("80", not "80/tcp").
	if c.Expose != nil {
		out.Config.ExposedPorts = make(map[string]struct{}, len(c.Expose))
		for _, p := range c.Expose {
			out.Config.ExposedPorts[p] = struct{}{}
		}
	}

	if h := c.Healthcheck; h != nil {
		hc, err := healthConfig(h)
		if err != nil {
			return nil, fmt.Errorf("imageSpec: healthcheck: %w", err)
		}
		out.Config.Healthcheck = hc
	}

	if spec.Author != "" {
		out.Author = spec.Author
	}
	if spec.ClearHistory {
		out.History = []v1.History{}
	}
	if c.ClearUser {
		out.Config.User = ""
	}
	if c.User != "" {
		out.Config.User = c.User
	}
	// As in a Dockerfile, a new ENTRYPOINT drops the inherited CMD unless CMD is
	// set with it. werf tests for a set list, so `entrypoint: []` clears CMD and
	// keeps the ENTRYPOINT, and `cmd: []` beside an entrypoint keeps the CMD.
	if c.ClearCmd || (c.Entrypoint != nil && c.Cmd == nil) {
		out.Config.Cmd = []string{}
	}
	if len(c.Cmd) > 0 {
		out.Config.Cmd = slices.Clone(c.Cmd)
	}
	if c.ClearEntrypoint {
		out.Config.Entrypoint = []string{}
	}
	if len(c.Entrypoint) > 0 {
		out.Config.Entrypoint = slices.Clone(c.Entrypoint)
	}
	if c.ClearWorkingDir {
		out.Config.WorkingDir = ""
	}
	if c.WorkingDir != "" {
		out.Config.WorkingDir = c.WorkingDir
	}
	if c.StopSignal != "" {
		out.Config.StopSignal = c.StopSignal
	}
	return out, nil
}

// applyLabels: the previous labels with the service labels over them, minus
// those removeLabels matches (the essential ones excepted), plus the spec's
// labels with %project% and %image% expanded.
func applyLabels(prev, service map[string]string, c *config.ImageSpecConfig, project, image string, warnf func(string)) (map[string]string, error) {
	labels := maps.Clone(prev)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, service)

	remove, err := compileRemove(c.RemoveLabels)
	if err != nil {
		return nil, err
	}
	warn := false
	for k := range labels {
		if !remove.match(k) {
			continue
		}
		if slices.Contains(essentialLabels, k) {
			warn = warn || !c.KeepEssentialWerfLabels
			continue
		}
		delete(labels, k)
	}
	if warn && warnf != nil {
		warnf(EssentialLabelsWarning)
	}

	// Sorted, so that two keys expanding to one name resolve the same way on
	// every run (werf's map order would pick either).
	keys := slices.Sorted(maps.Keys(c.Labels))
	for _, k := range keys {
		key, err := config.ExpandLabelTemplate(k, project, image)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		value, err := config.ExpandLabelTemplate(c.Labels[k], project, image)
		if err != nil {
			return nil, fmt.Errorf("label %q value %q: %w", k, c.Labels[k], err)
		}
		labels[key] = value
	}
	return labels, nil
}

func applyVolumes(prev map[string]struct{}, remove, add []string) map[string]struct{} {
	volumes := maps.Clone(prev)
	if volumes == nil {
		volumes = map[string]struct{}{}
	}
	for _, v := range remove {
		delete(volumes, v)
	}
	for _, v := range add {
		volumes[v] = struct{}{}
	}
	return volumes
}

// healthConfig turns werf's seconds into durations. Negative values are refused
// (werf's config check refuses them too), as are durations past time.Duration.
func healthConfig(h *config.Healthcheck) (*v1.HealthConfig, error) {
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	seconds := func(name string, s int) (time.Duration, error) {
		switch {
		case s < 0:
			return 0, fmt.Errorf("%s must not be negative, got %d", name, s)
		case int64(s) > maxSeconds:
			return 0, fmt.Errorf("%s of %d seconds is longer than a duration can be", name, s)
		}
		return time.Duration(s) * time.Second, nil
	}
	interval, err := seconds("interval", h.Interval)
	if err != nil {
		return nil, err
	}
	timeout, err := seconds("timeout", h.Timeout)
	if err != nil {
		return nil, err
	}
	start, err := seconds("startperiod", h.StartPeriod)
	if err != nil {
		return nil, err
	}
	if h.Retries < 0 {
		return nil, fmt.Errorf("retries must not be negative, got %d", h.Retries)
	}
	return &v1.HealthConfig{Test: slices.Clone(h.Test), Interval: interval, Timeout: timeout, StartPeriod: start, Retries: h.Retries}, nil
}

// removeSet is a removeLabels or removeEnv list: exact names and /regexes/.
type removeSet struct {
	exact   map[string]bool
	regexps []*regexp.Regexp
}

func compileRemove(entries []string) (removeSet, error) {
	s := removeSet{exact: map[string]bool{}}
	for _, e := range entries {
		re, err := config.RemovePattern(e)
		if err != nil {
			return removeSet{}, err
		}
		if re == nil {
			s.exact[e] = true
		} else {
			s.regexps = append(s.regexps, re)
		}
	}
	return s, nil
}

func (s removeSet) match(name string) bool {
	return s.exact[name] || slices.ContainsFunc(s.regexps, func(re *regexp.Regexp) bool { return re.MatchString(name) })
}
