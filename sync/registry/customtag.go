package registry

import (
	"fmt"
	"slices"
	"strings"
)

// CustomTagImage is what a custom tag template is expanded for: a final image and
// its content-based tag (`<digest>-<millis>`, or a manifest list's digest).
type CustomTagImage struct {
	Name            string
	ContentBasedTag string
}

// ExpandCustomTag expands an --add-custom-tag template: %image%, %image_slug%,
// %image_safe_slug% and %image_content_based_tag%.
func ExpandCustomTag(template string, img CustomTagImage) (string, error) {
	r := strings.NewReplacer(
		"%image%", img.Name,
		"%image_slug%", Slug(img.Name),
		"%image_safe_slug%", SafeSlug(img.Name),
		"%image_content_based_tag%", img.ContentBasedTag,
	)
	tag := r.Replace(template)
	switch {
	case strings.Contains(tag, "%"):
		return "", fmt.Errorf("custom tag %q: unknown placeholder (use %%image%%, %%image_slug%%, %%image_safe_slug%% or %%image_content_based_tag%%)", template)
	case !dockerTagPattern.MatchString(tag) || len(tag) > dockerTagMaxLength:
		return "", fmt.Errorf("custom tag %q gives %q for image %q, which is not a valid tag (letters, digits, _ . -, not starting with . or -, at most %d characters)", template, tag, img.Name, dockerTagMaxLength)
	}
	return tag, nil
}

// CustomTags expands every template for every final image; two images given the
// same tag is an error, since one would overwrite the other.
func CustomTags(templates []string, images []CustomTagImage) (map[string][]string, error) {
	out := map[string][]string{}
	owner := map[string]string{}
	for _, img := range images {
		for _, t := range templates {
			tag, err := ExpandCustomTag(t, img)
			if err != nil {
				return nil, err
			}
			if other, taken := owner[tag]; taken && other != img.Name {
				return nil, fmt.Errorf("custom tag %q gives images %q and %q the same tag %q: add %%image%% or %%image_slug%% to it", t, displayName(other), displayName(img.Name), tag)
			}
			owner[tag] = img.Name
			if !slices.Contains(out[img.Name], tag) {
				out[img.Name] = append(out[img.Name], tag)
			}
		}
	}
	return out, nil
}

func displayName(n string) string {
	if n == "" {
		return "~"
	}
	return n
}
