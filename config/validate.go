package config

import (
	"fmt"
	"slices"
	"strings"
)

// validate checks the images together: unique names, known images behind every
// name an image uses (dependencies, fromImage, imports), no cycles among them.
func validate(cfg *Config) error {
	finals := 0
	for _, img := range cfg.Images {
		if img.Final {
			finals++
		}
	}
	seen := map[string]*Image{}
	for _, img := range cfg.Images {
		if img.Name == "" && finals > 1 {
			return imageError(cfg, img, "", "the nameless image (~) must be the only image in werf.yaml: give it a name")
		}
		if first, dup := seen[img.Name]; dup {
			return imageError(cfg, img, "image", "declared twice: first in document %d (line %d)", first.Doc.Index, first.Doc.Line)
		}
		seen[img.Name] = img
	}
	resolveFromImages(cfg)
	for _, img := range cfg.Images {
		for _, r := range img.references() {
			if r.Optional || seen[r.Name] != nil {
				continue
			}
			msg := fmt.Sprintf("image %q is not declared in %s", r.Name, cfg.File)
			if s := suggest(r.Name, cfg.ImageNames()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else if r.Key == "fromImage" {
				msg += "; for a registry image use from"
			}
			return refError(cfg, img, r, "%s", msg)
		}
	}
	if err := checkPlatformRefs(cfg); err != nil {
		return err
	}
	if cycle := findCycle(cfg); cycle != nil {
		names := make([]string, len(cycle))
		for i, n := range cycle {
			names[i] = LogName(n)
		}
		img := cfg.Image(cycle[0])
		r := img.reference(cycle[1])
		return refError(cfg, img, r, "dependency cycle: %s", strings.Join(names, " -> "))
	}
	return nil
}

// resolveFromImages is werf's rule for `from` (WerfConfig.updateDependencies):
// a name that an image of werf.yaml has is that image, built first; any other
// is a registry reference (SetFromExternal).
func resolveFromImages(cfg *Config) {
	for _, img := range cfg.Images {
		if s := img.Stapel; s != nil && s.From != "" && cfg.Image(s.From) != nil {
			s.FromImage, s.From = s.From, ""
		}
	}
}

// references lists the image names the image uses with where they are written;
// an Image not made by the decoders gets its dependencies at its document.
func (i *Image) references() []imageRef {
	if i.refs != nil {
		return i.refs
	}
	var refs []imageRef
	for n, d := range i.Dependencies {
		refs = append(refs, imageRef{Name: d.Image, Key: fmt.Sprintf("dependencies[%d].image", n)})
	}
	return refs
}

// reference is where the image first names another, for errors.
func (i *Image) reference(name string) imageRef {
	for _, r := range i.references() {
		if r.Name == name {
			return r
		}
	}
	return imageRef{Name: name}
}

func refError(cfg *Config, img *Image, r imageRef, format string, args ...any) error {
	e := imageError(cfg, img, r.Key, format, args...).(*Error)
	if r.Line > 0 {
		e.Line, e.Text = r.Line, r.Text
	}
	return e
}

func imageError(cfg *Config, img *Image, key, format string, args ...any) error {
	return &Error{File: cfg.File, Rendered: cfg.templated, Doc: img.Doc.Index, Line: img.Doc.Line, Image: img.LogName(), Key: key, Err: fmt.Errorf(format, args...)}
}

// findCycle returns the first cycle among the images' DependsOn in document
// order, as the path that closes it (a -> b -> a), or nil.
func findCycle(cfg *Config) []string {
	const (
		unvisited = iota
		onPath
		finished
	)
	state := map[string]int{}
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		switch state[name] {
		case onPath:
			start := slices.Index(path, name)
			return append(slices.Clone(path[start:]), name)
		case finished:
			return nil
		}
		state[name] = onPath
		path = append(path, name)
		if img := cfg.Image(name); img != nil {
			for _, dep := range img.DependsOn() {
				if c := visit(dep); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = finished
		return nil
	}
	for _, img := range cfg.Images {
		if c := visit(img.Name); c != nil {
			return c
		}
	}
	return nil
}
