package pipeline

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/containerd/platforms"
)

// DefaultPlatform is the platform images are built for when nothing names one: the
// host's architecture on Linux, as werf's Docker backend would pick.
func DefaultPlatform() string {
	spec := platforms.DefaultSpec()
	spec.OS = "linux"
	spec.Architecture = runtime.GOARCH
	return platforms.Format(platforms.Normalize(spec))
}

// NormalizePlatforms turns platform specs into their canonical os/arch[/variant]
// form ("x86_64" → "linux/amd64", "linux/arm64/v8" → "linux/arm64"), splitting
// comma-separated lists and dropping repeats, as werf does.
func NormalizePlatforms(specs []string) ([]string, error) {
	var out []string
	for _, spec := range specs {
		for _, s := range strings.Split(spec, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			p, err := platforms.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("invalid platform %q: %w", s, err)
			}
			p.OS = strings.ToLower(p.OS)
			if name := platforms.Format(platforms.Normalize(p)); !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out, nil
}
