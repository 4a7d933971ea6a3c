package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/config"
)

const maxPatternLength = 100

// SelectImages picks images by name or glob (filepath.Match), in the configuration's
// order; a pattern starting with `!` excludes, except names given exactly. No
// include pattern selects every image. An include pattern that matches nothing is
// an error, so that a typo does not build nothing.
func SelectImages(cfg *config.Config, patterns []string, finalOnly bool) ([]*config.Image, error) {
	var include, exclude []string
	for _, p := range patterns {
		switch {
		case strings.Contains(p, "**"):
			return nil, fmt.Errorf("image pattern %q: ** is not supported (image names have no directories)", p)
		case len(p) > maxPatternLength:
			return nil, fmt.Errorf("image pattern %q: longer than %d characters", p, maxPatternLength)
		case strings.ContainsAny(p, "&|$"):
			return nil, fmt.Errorf("image pattern %q: the characters & | $ are not allowed", p)
		}
		name, negated := strings.CutPrefix(p, "!")
		if name == "~" {
			name = "" // the nameless image, as logs show it
		}
		if _, err := filepath.Match(name, ""); err != nil {
			return nil, fmt.Errorf("image pattern %q: %w", p, err)
		}
		if negated {
			exclude = append(exclude, name)
		} else {
			include = append(include, name)
		}
	}

	var selected []*config.Image
	for _, img := range cfg.Images {
		if (len(include) == 0 || matchAny(include, img.Name)) &&
			(slices.Contains(include, img.Name) || !matchAny(exclude, img.Name)) &&
			(img.Final || !finalOnly) {
			selected = append(selected, img)
		}
	}
	for _, p := range include {
		if !slices.ContainsFunc(cfg.Images, func(img *config.Image) bool { return match(p, img.Name) }) {
			msg := fmt.Sprintf("no image matches %q", config.LogName(p))
			if names := cfg.ImageNames(); len(names) > 0 {
				for i, n := range names {
					names[i] = config.LogName(n)
				}
				msg += " (images: " + strings.Join(names, ", ") + ")"
			}
			return nil, fmt.Errorf("%s", msg)
		}
	}
	return selected, nil
}

func matchAny(patterns []string, name string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, name) })
}

func match(pattern, name string) bool {
	ok, _ := filepath.Match(pattern, name)
	return ok
}
