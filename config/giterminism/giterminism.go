// Package giterminism reads werf-giterminism.yaml: the exceptions a project allows to
// werf's rule that configuration and build contexts come only from the git HEAD
// commit. It answers "is this allowed?"; it does not read project files.
package giterminism

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"sigs.k8s.io/yaml"
)

// DefaultPath is where werf looks for the file, relative to the project directory.
const DefaultPath = "werf-giterminism.yaml"

// Config is werf-giterminism.yaml. The zero value allows nothing, which is what a
// project without the file gets. Unknown keys are accepted, as werf accepts them.
type Config struct {
	Version any `json:"giterminismConfigVersion"`
	CLI     struct {
		AllowCustomTags bool `json:"allowCustomTags"`
	} `json:"cli"`
	Config struct {
		AllowUncommitted          bool  `json:"allowUncommitted"`
		AllowUncommittedTemplates Globs `json:"allowUncommittedTemplates"`
		GoTemplateRendering       struct {
			AllowEnvVariables     Names `json:"allowEnvVariables"`
			AllowUncommittedFiles Globs `json:"allowUncommittedFiles"`
		} `json:"goTemplateRendering"`
		Secrets struct {
			AllowEnvVariables []string `json:"allowEnvVariables"`
			AllowFiles        Globs    `json:"allowFiles"`
			AllowValueIds     []string `json:"allowValueIds"`
		} `json:"secrets"`
		Stapel struct {
			AllowFromLatest bool `json:"allowFromLatest"`
			Git             struct {
				AllowBranch bool `json:"allowBranch"`
			} `json:"git"`
			Mount struct {
				AllowBuildDir  bool  `json:"allowBuildDir"`
				AllowFromPaths Globs `json:"allowFromPaths"`
			} `json:"mount"`
		} `json:"stapel"`
		Dockerfile struct {
			AllowUncommitted                  Globs `json:"allowUncommitted"`
			AllowUncommittedDockerignoreFiles Globs `json:"allowUncommittedDockerignoreFiles"`
			AllowContextAddFiles              Globs `json:"allowContextAddFiles"`
		} `json:"dockerfile"`
	} `json:"config"`
	Helm struct {
		AllowUncommittedFiles Globs `json:"allowUncommittedFiles"`
	} `json:"helm"`
	Includes struct {
		AllowIncludesUpdate bool `json:"allowIncludesUpdate"`
	} `json:"includes"`
}

// Parse reads and checks the file's content; file names it in errors.
func Parse(file string, data []byte) (*Config, error) {
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	switch v := c.Version.(type) {
	case float64:
		if v == 1 {
			break
		}
		return nil, fmt.Errorf("%s: giterminismConfigVersion must be 1, got %v", file, v)
	case string:
		if v == "1" {
			break
		}
		return nil, fmt.Errorf("%s: giterminismConfigVersion must be 1, got %q", file, v)
	case nil:
		return nil, fmt.Errorf("%s: giterminismConfigVersion is required (giterminismConfigVersion: 1)", file)
	default:
		return nil, fmt.Errorf("%s: giterminismConfigVersion must be 1, got %v", file, v)
	}
	checks := []struct {
		key   string
		globs Globs
	}{
		{"config.allowUncommittedTemplates", c.Config.AllowUncommittedTemplates},
		{"config.goTemplateRendering.allowUncommittedFiles", c.Config.GoTemplateRendering.AllowUncommittedFiles},
		{"config.secrets.allowFiles", c.Config.Secrets.AllowFiles},
		{"config.stapel.mount.allowFromPaths", c.Config.Stapel.Mount.AllowFromPaths},
		{"config.dockerfile.allowUncommitted", c.Config.Dockerfile.AllowUncommitted},
		{"config.dockerfile.allowUncommittedDockerignoreFiles", c.Config.Dockerfile.AllowUncommittedDockerignoreFiles},
		{"config.dockerfile.allowContextAddFiles", c.Config.Dockerfile.AllowContextAddFiles},
		{"helm.allowUncommittedFiles", c.Helm.AllowUncommittedFiles},
	}
	for _, ch := range checks {
		if err := ch.globs.validate(); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, ch.key, err)
		}
	}
	if err := c.Config.GoTemplateRendering.AllowEnvVariables.validate(); err != nil {
		return nil, fmt.Errorf("%s: config.goTemplateRendering.allowEnvVariables: %w", file, err)
	}
	return &c, nil
}

// Globs is a list of path globs (doublestar syntax) relative to the project
// directory. As in werf, a pattern also matches everything below what it names once
// its trailing `*` components are dropped: `dir`, `dir/*` and `dir/**` all allow the
// whole of `dir`, and "", "." and "/" allow everything.
type Globs []string

// Match reports whether some pattern allows the project-relative path p.
func (g Globs) Match(p string) bool {
	for _, pattern := range g {
		if MatchPath(pattern, p) {
			return true
		}
	}
	return false
}

// MatchPath is werf's path-matcher rule, shared by the allowances and by
// .Files.Glob in templates: doublestar matching, plus everything below the pattern
// once its trailing `*` components are dropped.
func MatchPath(pattern, p string) bool {
	p = cleanGlobPath(p)
	pattern = cleanGlobPath(pattern)
	base := trimStarComponents(pattern)
	if base == "" {
		return true
	}
	return match(pattern, p) || match(base, p) || match(base+"/**/*", p)
}

// MatchHostPath is werf's path matcher on a path as written, for the host paths
// of config.stapel.mount.allowFromPaths: unlike Match, an absolute path stays
// absolute, so /var/cache allows /var/cache itself and, with /var/cache/**,
// what is below; the implicit "everything below" that Match adds to a pattern
// holds for relative patterns only (~/.cache allows ~/.cache/go), as in werf.
func (g Globs) MatchHostPath(p string) bool {
	p = formatHostPath(p)
	for _, pattern := range g {
		pattern = formatHostPath(pattern)
		base := trimStarComponents(strings.TrimPrefix(pattern, "/"))
		if match(pattern, p) || match(base, p) || match(path.Join(base, "**", "*"), p) {
			return true
		}
	}
	return false
}

// formatHostPath is werf's formatPath: cleaned, with "/" and "." as "".
func formatHostPath(p string) string {
	if p == "" || p == "." || p == "/" {
		return ""
	}
	return path.Clean(p)
}

func (g Globs) validate() error {
	for _, pattern := range g {
		if !doublestar.ValidatePattern(cleanGlobPath(pattern)) {
			return fmt.Errorf("invalid glob %q", pattern)
		}
	}
	return nil
}

func match(pattern, p string) bool {
	ok, _ := doublestar.Match(pattern, p)
	return ok
}

func cleanGlobPath(p string) string {
	p = strings.Trim(path.Clean("/"+strings.ReplaceAll(p, "\\", "/")), "/")
	if p == "." {
		return ""
	}
	return p
}

// trimStarComponents drops trailing components made only of `*`.
func trimStarComponents(p string) string {
	parts := strings.Split(p, "/")
	for len(parts) > 0 && strings.Trim(parts[len(parts)-1], "*") == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, "/")
}

// Names is a list of environment variable names; an item written `/re/` is a
// regular expression that must match the whole name.
type Names []string

// Match reports whether some item allows name.
func (n Names) Match(name string) bool {
	for _, item := range n {
		if re, ok := regexpItem(item); ok {
			if r, err := regexp.Compile(re); err == nil && r.MatchString(name) {
				return true
			}
			continue
		}
		if item == name {
			return true
		}
	}
	return false
}

func (n Names) validate() error {
	for _, item := range n {
		if re, ok := regexpItem(item); ok {
			if _, err := regexp.Compile(re); err != nil {
				return fmt.Errorf("invalid regular expression %s: %w", item, err)
			}
		}
	}
	return nil
}

func regexpItem(item string) (string, bool) {
	if len(item) >= 2 && strings.HasPrefix(item, "/") && strings.HasSuffix(item, "/") {
		return "^(?:" + item[1:len(item)-1] + ")$", true
	}
	return "", false
}
