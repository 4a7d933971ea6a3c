package config

import (
	"fmt"
	"slices"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// stapelDependencies reads a Stapel image's dependencies (pkg/config/raw_dependency.go,
// dependency.go): each is taken in before or after install or setup, and passes
// its values as environment variables (targetEnv).
func (d *docReader) stapelDependencies(m *mapping) []Dependency {
	var deps []Dependency
	for i, item := range m.list("dependencies") {
		key := fmt.Sprintf("dependencies[%d]", i)
		dm := d.mapping(item, key)
		dep := Dependency{Image: dm.str("image"), Before: dm.str("before"), After: dm.str("after")}
		for j, in := range dm.list("imports") {
			dep.Imports = append(dep.Imports, d.stapelDependencyImport(in, fmt.Sprintf("%s.imports[%d]", key, j), dep.Imports))
		}
		dm.done()
		switch {
		case d.err != nil:
		case dep.Image == "":
			d.fail(item, key+".image", "the dependency's image name is required")
		case dep.Before == "" && dep.After == "":
			d.fail(item, key, "set when the dependency is taken: before or after (install or setup)")
		case dep.Before != "" && dep.After != "":
			d.fail(dm.keys["after"], key+".after", "set one of before and after")
		case dep.Before != "" && !isUserStageAnchor(dep.Before):
			d.fail(dm.values["before"], key+".before", "expected install or setup, got %q", dep.Before)
		case dep.After != "" && !isUserStageAnchor(dep.After):
			d.fail(dm.values["after"], key+".after", "expected install or setup, got %q", dep.After)
		}
		deps = append(deps, dep)
	}
	return deps
}

func (d *docReader) stapelDependencyImport(in *yaml.Node, key string, earlier []Import) Import {
	im := d.mapping(in, key)
	imp := Import{Type: ImportType(im.str("type")), TargetEnv: im.str("targetEnv")}
	buildArg := im.str("targetBuildArg")
	im.done()
	switch {
	case d.err != nil:
	case !slices.Contains(ImportTypes, imp.Type):
		d.fail(orNode(im.values["type"], in), key+".type", "unknown import type %q (expected one of ImageName, ImageTag, ImageRepo, ImageID, ImageDigest)", imp.Type)
	case imp.TargetEnv == "":
		d.fail(in, key+".targetEnv", "required: the environment variable that receives the %s", imp.Type)
	case buildArg != "":
		d.fail(im.keys["targetBuildArg"], key+".targetBuildArg", "is for Dockerfile images; a Stapel image takes imports as environment variables (targetEnv)")
	case slices.ContainsFunc(earlier, func(e Import) bool { return e.TargetEnv == imp.TargetEnv }):
		d.fail(im.values["targetEnv"], key+".targetEnv", "environment variable %q already receives another import of this dependency", imp.TargetEnv)
	}
	return imp
}
