package stapel

import (
	"context"
	"fmt"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/importsum"
)

// The labels a dependencies stage records its sources in (pkg/image/const.go).
// The import labels and IDs are package importsum's.
const (
	labelDependencyStagePrefix = "werf-dependency-stage-id-"
	dependencyImportArgument   = "DependencyImport"
	dependencyArgument         = "Dependency"
)

// dependenciesStep copies files from other images (`import`) and passes other
// images' names into the environment (`dependencies`), before or after install
// or setup (pkg/build/stage/dependencies.go).
type dependenciesStep struct {
	baseStep
	stage   StageName
	imports []config.FileImport
	deps    []config.Dependency
}

// newDependenciesStep is the stage when an import or a dependency names its
// point; nil else.
func newDependenciesStep(img *config.Image, name StageName, before, after string) *dependenciesStep {
	d := &dependenciesStep{stage: name}
	at := func(b, a string) bool {
		return (before != "" && b == before) || (after != "" && a == after)
	}
	for _, imp := range img.Stapel.Imports {
		if at(imp.Before, imp.After) {
			d.imports = append(d.imports, imp)
		}
	}
	for _, dep := range img.Dependencies {
		if at(dep.Before, dep.After) {
			d.deps = append(d.deps, dep)
		}
	}
	if len(d.imports)+len(d.deps) == 0 {
		return nil
	}
	return d
}

func (d *dependenciesStep) name() StageName { return d.stage }

// dependencies: for each import its checksum, to, group and owner; for each
// dependency "Dependency" and the image name of its last stage, then
// "DependencyImport" and the ID of each of its imports. Filling s.Imports and
// s.Env on the way.
func (d *dependenciesStep) dependencies(ctx context.Context, c *Chain, _ *resolved, s *Stage) (string, []Input, error) {
	var parts []Input
	for i, imp := range d.imports {
		req, err := c.importRequest(ctx, imp)
		if err != nil {
			return "", nil, fmt.Errorf("import[%d] from %s: %w", i, imp.Image, err)
		}
		sum, err := c.opts.ImportChecksums.Checksum(ctx, req)
		if err != nil {
			return "", nil, fmt.Errorf("import[%d] from %s: checksum: %w", i, imp.Image, err)
		}
		s.Imports = append(s.Imports, Import{Request: req, Checksum: sum.Checksum, SourceStageID: sum.SourceStageID})
		key := fmt.Sprintf("import[%s add %s]", imp.Image, imp.Add)
		parts = append(parts,
			Input{key + " checksum", sum.Checksum},
			Input{key + " to", importTo(imp)},
			Input{key + " group", imp.Group},
			Input{key + " owner", imp.Owner},
		)
	}
	for _, dep := range d.deps {
		ref, err := c.opts.Images.LastStage(ctx, dep.Image, c.opts.Platform)
		if err != nil {
			return "", nil, fmt.Errorf("dependency %q: %w", dep.Image, err)
		}
		if ref.Name == "" {
			// werf's digest takes the dependency's stored name (<repo>:<digest>-<millis>).
			return "", nil, fmt.Errorf("dependency %q: its last stage is not stored yet, and its name enters this stage's digest: build it first", dep.Image)
		}
		parts = append(parts,
			Input{dependencyArgument, dependencyArgument},
			Input{"dependency " + dep.Image + " image", ref.Name},
		)
		vals := stages.ImportValues{Name: ref.Name, ID: ref.ID, Digest: ref.Digest}
		for _, imp := range dep.Imports {
			parts = append(parts,
				Input{dependencyImportArgument, dependencyImportArgument},
				Input{fmt.Sprintf("dependency %s import %s -> %s", dep.Image, imp.Type, imp.TargetEnv), importsum.DependencyImportID(imp)},
			)
			if s.Env == nil {
				s.Env = map[string]string{}
			}
			s.Env[imp.TargetEnv] = vals.Get(imp.Type)
		}
	}
	return stages.Sha256(values(parts)...), parts, nil
}

// labels: for each import its checksum and source stage as recorded, for
// each dependency its stage ID. werf gives this stage no mount labels.
func (d *dependenciesStep) labels(ctx context.Context, c *Chain, _ *resolved, s *Stage) (map[string]string, error) {
	out := map[string]string{}
	for i, imp := range s.Imports {
		out[importsum.ChecksumLabel(d.imports[i])] = imp.Checksum
		out[importsum.SourceStageIDLabel(d.imports[i])] = imp.SourceStageID
	}
	for _, dep := range d.deps {
		ref, err := c.opts.Images.LastStage(ctx, dep.Image, c.opts.Platform)
		if err != nil {
			return nil, fmt.Errorf("dependency %q: %w", dep.Image, err)
		}
		out[labelDependencyStagePrefix+stages.Sha256(ref.StageID)] = ref.StageID
	}
	return out, nil
}

// importRequest resolves an import's source on the chain's platform.
func (c *Chain) importRequest(ctx context.Context, imp config.FileImport) (ImportRequest, error) {
	req := ImportRequest{Platform: c.opts.Platform, Import: imp}
	var content string
	switch {
	case imp.External:
		content = importsum.ExternalSource(imp.Image)
		req.SourceImage, req.SourceStageID = imp.Image, content
	default:
		var ref StageRef
		var err error
		if imp.Stage == "" {
			ref, err = c.opts.Images.LastStage(ctx, imp.Image, c.opts.Platform)
		} else {
			ref, err = c.opts.Images.Stage(ctx, imp.Image, StageName(imp.Stage), c.opts.Platform)
		}
		if err != nil {
			return req, err
		}
		req.Source, req.SourceImage, req.SourceStageID = ref, ref.Name, ref.StageID
		content = ref.ContentDigest
	}
	req.SourceID = importsum.SourceID(content, importsum.SpecOf(imp))
	return req, nil
}

// importTo is the import's destination: werf takes add when to is not set.
func importTo(imp config.FileImport) string {
	if imp.To == "" {
		return imp.Add
	}
	return imp.To
}
