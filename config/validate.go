package config

import (
	"fmt"
	"slices"
	"strings"
)

// validate checks the images together: unique names, known dependencies, no cycles.
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
	for _, img := range cfg.Images {
		for i, dep := range img.Dependencies {
			if _, ok := seen[dep.Image]; ok {
				continue
			}
			msg := fmt.Sprintf("image %q is not declared in %s", dep.Image, cfg.File)
			if s := suggest(dep.Image, cfg.ImageNames()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return imageError(cfg, img, fmt.Sprintf("dependencies[%d].image", i), "%s", msg)
		}
	}
	if cycle := findCycle(cfg); cycle != nil {
		names := make([]string, len(cycle))
		for i, n := range cycle {
			names[i] = LogName(n)
		}
		return imageError(cfg, cfg.Image(cycle[0]), "dependencies", "dependency cycle: %s", strings.Join(names, " -> "))
	}
	return nil
}

func imageError(cfg *Config, img *Image, key, format string, args ...any) error {
	return &Error{File: cfg.File, Rendered: cfg.templated, Doc: img.Doc.Index, Line: img.Doc.Line, Image: img.LogName(), Key: key, Err: fmt.Errorf(format, args...)}
}

// findCycle returns the first dependency cycle in document order, as the path that
// closes it (a -> b -> a), or nil.
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
			for _, dep := range img.Dependencies {
				if c := visit(dep.Image); c != nil {
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
