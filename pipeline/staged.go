package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/stepfile"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/dockerfile"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/stages/staged"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// stepDockerfile is the name a staged step's Dockerfile takes in the context.
const stepDockerfile = ".dagwerf-stage.Dockerfile"

// stagedStage is one stage of a staged image as this run came to have it.
type stagedStage struct {
	name      string // "FROM", or the instruction as written: "RUN", "COPY"
	desc      *registry.StageDesc
	buildTime time.Duration
}

// stagedImage is a werf image of a staged Dockerfile: the target, or a stage the
// target is built from.
type stagedImage struct {
	name   string
	target bool
	stages []stagedStage
}

// stagedRun is the state of one staged image and platform while it is built.
type stagedRun struct {
	b          *Build
	t          *Task
	log        string // the task's name in the log
	calc       *stages.Calculator
	imports    importResults
	contextDir string
	in         staged.Inputs
	last       map[string]*registry.StageDesc // each werf image's last stage, by name
	labels     registry.StageLabels

	req    BuildRequest // made at the first stage to build, as nothing else needs it
	reqErr error
	made   bool
	reason string // why the image is rebuilt, said at its first stage to build
}

// request is what building a stage takes, made once and only when a stage is
// missing: a run that finds every stage reads no secret and checks no file.
func (s *stagedRun) request(ctx context.Context) (BuildRequest, error) {
	if !s.made {
		s.made = true
		// The whole-Dockerfile stage names the files COPY/ADD take, for the check
		// that they are committed.
		whole, err := s.calc.Stage(ctx, s.t.Image, s.t.Platform, s.imports)
		if err == nil {
			s.reason = s.b.explain(ctx, s.t, whole, s.imports.results)
			s.req, err = s.b.request(ctx, s.calc, s.t, whole, s.imports)
		}
		s.req.ContextDir, s.reqErr = s.contextDir, err
	}
	return s.req, s.reqErr
}

// runStaged builds a staged image (werf.yaml `staged: true`): every stage of its
// Dockerfile that the target reaches is a werf image whose FROM and
// instructions are stages of their own, addressed as werf addresses them. Each
// is looked up, and from the first missing one on built a step at a time on the
// engine and published as it completes, so a change near the end of a
// Dockerfile rebuilds only what follows it, on any runner.
func (b *Build) runStaged(ctx context.Context, calc *stages.Calculator, t *Task, r *taskResult, results map[*Task]*taskResult) error {
	img := t.Image
	errorf := func(err error) error { return fmt.Errorf("image %q (%s): %w", img.LogName(), t.Platform, err) }
	imports := importResults{build: b, task: t, results: results}
	images, depArgs, err := mapStaged(ctx, b.Config, img, t.Platform, imports)
	if err != nil {
		return errorf(err)
	}
	// The digests hash the files COPY, ADD and RUN bind mounts take from here.
	contextDir, cleanup, err := exportContext(calc, img)
	if err != nil {
		return errorf(err)
	}
	defer cleanup()

	s := &stagedRun{
		b: b, t: t, log: t.LogName(b.Plan, b.LogPretty), calc: calc, imports: imports, contextDir: contextDir,
		last: map[string]*registry.StageDesc{},
		labels: registry.StageLabels{
			Project: b.Config.Meta.Project, Version: b.Version, Commit: b.Snapshot.Commit(),
		},
	}
	for _, dep := range b.dependencyTasks(t) {
		s.labels.Dependencies = append(s.labels.Dependencies, results[dep].desc.ID)
	}
	s.in = staged.Inputs{
		Platform: t.Platform, CacheVersion: img.CacheVersion, DependencyArgs: depArgs, Context: contextDir,
		LastImageName: func(name string) (string, error) {
			d, ok := s.last[name]
			if !ok {
				return "", fmt.Errorf("stage image %s is not built yet", name)
			}
			return d.Ref.Name(), nil
		},
	}
	defer func() { r.reason = s.reason }()
	for _, si := range images {
		done, err := s.image(ctx, si)
		if err != nil {
			return errorf(err)
		}
		r.staged = append(r.staged, done)
		if si.Target {
			final := done.stages[len(done.stages)-1]
			r.desc = final.desc
			for _, st := range done.stages {
				r.buildTime += st.buildTime
			}
		}
	}
	return nil
}

// mapStaged reads a staged image's Dockerfile into its werf images and gathers
// the values of its dependencies' imports, which every stage digest takes.
func mapStaged(ctx context.Context, cfg *config.Config, img *config.Image, platform string, imports stages.ImportSource) ([]*staged.Image, map[string]string, error) {
	data, err := cfg.ReadDockerfile(img)
	if err != nil {
		return nil, nil, err
	}
	depArgs, importArgs, err := dependencyArgs(ctx, img, platform, imports)
	if err != nil {
		return nil, nil, err
	}
	images, err := staged.Map(data, staged.MapOptions{
		Image: img.Name, Path: img.DockerfilePath(), Target: img.Target, Platform: platform,
		Args: img.Args, ImportArgs: importArgs,
	})
	return images, depArgs, err
}

// image looks up and builds the stages of one werf image of the Dockerfile.
func (s *stagedRun) image(ctx context.Context, si *staged.Image) (stagedImage, error) {
	out := stagedImage{name: si.Name, target: si.Target}
	digest, baseRef, err := si.FromDigest(s.in)
	if err != nil {
		return out, err
	}
	labels := s.labels
	if si.BaseImage != "" {
		base := s.last[si.BaseImage]
		baseRef, labels.ParentStage = base.Ref.Name(), base.ID.String()
	}
	from, err := s.stage(ctx, si, "FROM", digest, labels, nil, func() (string, error) { return stepfile.From(baseRef).Dockerfile, nil })
	if err != nil {
		return out, err
	}
	out.stages = append(out.stages, from)
	cfg, err := from.desc.Config(ctx)
	if err != nil {
		return out, err
	}
	in := s.in
	in.BaseEnv = cfg.Config.Env
	stored := []stepfile.Stored{{Name: from.desc.Ref.Name(), Cmd: cfg.Config.Cmd}}
	platformArgs, err := dockerfile.PlatformArgs(s.t.Platform)
	if err != nil {
		return out, err
	}
	images := map[string]string{}
	for name, d := range s.last {
		images[name] = d.Ref.Name()
	}
	prev := from.desc
	for i, step := range si.Steps {
		digest, err := si.StepDigest(i, prev.ID.Digest, in)
		if err != nil {
			return out, err
		}
		labels := s.labels
		labels.ParentStage, labels.BaseImageID = prev.ID.String(), prev.ConfigID.String()
		done, err := s.stage(ctx, si, step.Name, digest, labels, prev, func() (string, error) {
			req, err := s.request(ctx)
			if err != nil {
				return "", err
			}
			f, err := stepfile.Step(si, i, stepfile.Inputs{
				Stored: stored, Images: images, BuildArgs: req.BuildArgs,
				MetaArgs: si.MetaArgs, PlatformArgs: platformArgs, BaseEnv: in.BaseEnv,
			})
			return f.Dockerfile, err
		})
		if err != nil {
			return out, err
		}
		out.stages = append(out.stages, done)
		cfg, err := done.desc.Config(ctx)
		if err != nil {
			return out, err
		}
		stored = append(stored, stepfile.Stored{Name: done.desc.Ref.Name(), Cmd: cfg.Config.Cmd})
		prev = done.desc
	}
	s.last[si.Name] = prev
	return out, nil
}

// stage finds a stage by its digest or builds it from the Dockerfile that file
// writes, and publishes it under the stage lock. parent is the stage before it
// in the image, nil for FROM.
func (s *stagedRun) stage(ctx context.Context, si *staged.Image, name, digest string, labels registry.StageLabels, parent *registry.StageDesc, file func() (string, error)) (stagedStage, error) {
	where := fmt.Sprintf("%s: %s %s", s.log, si.Name, name)
	labels.ContentDigest = stages.StageContentDigest(s.t.Platform, name, digest)
	return s.b.runStep(ctx, stageStep{
		where: where, name: name, digest: digest, labels: labels, quiet: true, parent: parent,
		make: func(ctx context.Context) (registry.PushFunc, error) {
			dockerfile, err := file()
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(s.b.Log, "%s: building stage %s\n", where, digest)
			req, err := s.request(ctx)
			if err != nil {
				return nil, err
			}
			req.Dockerfile, req.Inline, req.Target = stepDockerfile, dockerfile, ""
			built, err := s.b.engineBuild(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", si.Name, name, err)
			}
			return built.Push, nil
		},
	})
}

// Digest addresses an image for a platform as a build does: by its last stage
// (see StageDigests).
func Digest(ctx context.Context, cfg *config.Config, calc *stages.Calculator, storage *registry.Storage, img *config.Image, platform string, imports stages.ImportSource) (string, error) {
	list, err := StageDigests(ctx, cfg, calc, storage, img, platform, imports)
	if err != nil {
		return "", err
	}
	return list[len(list)-1].Digest, nil
}

// StageDigest is one stage of an image as a build addresses it: the werf image
// it belongs to (a staged image's `<image>/stage/<name>`, else the image), its
// name as werf's report names it, and its digest.
type StageDigest struct {
	Image  string `json:"image"`
	Name   string `json:"name"`
	Digest string `json:"digest"`
	// Inputs are what the digest was made of, by name, where the stage's
	// kind tells them (Stapel, dockerfile and imageSpec stages): werf's
	// calculateDigest arguments, then what the stage's dependencies hash.
	Inputs []DigestInput `json:"inputs,omitempty"`
}

// DigestInput is one named input of a digest.
type DigestInput struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// StageDigests are an image's stages for a platform in build order, its last
// stage last: the whole-Dockerfile stage and the imageSpec stage after it, or
// for a staged image every FROM and instruction stage of every werf image it is
// built from (werf gives staged images no imageSpec stage). A staged image's
// stage digests take its base image's env from its FROM stage, and the names of
// the stages it is built from, so those must be in storage; nothing is built.
func StageDigests(ctx context.Context, cfg *config.Config, calc *stages.Calculator, storage *registry.Storage, img *config.Image, platform string, imports stages.ImportSource) ([]StageDigest, error) {
	if !img.Staged {
		stage, err := calc.Stage(ctx, img, platform, imports)
		if err != nil {
			return nil, err
		}
		list := []StageDigest{{Image: img.Name, Name: stageDockerfile, Digest: stage.Digest, Inputs: dockerfileInputs(stage)}}
		if img.ImageSpec == nil {
			return list, nil
		}
		spec, err := imagespec.Digest(platform, stage.Digest, img.ImageSpec)
		if err != nil {
			return nil, err
		}
		return append(list, StageDigest{Image: img.Name, Name: stageImageSpec, Digest: spec, Inputs: imageSpecInputs(platform, stage.Digest, img.ImageSpec)}), nil
	}
	errorf := func(err error) error { return fmt.Errorf("image %q (%s): %w", img.LogName(), platform, err) }
	if storage == nil {
		return nil, errorf(errors.New("a staged image's digests take its base image's env from its FROM stage as stored: give the repository it is built into"))
	}
	images, depArgs, err := mapStaged(ctx, cfg, img, platform, imports)
	if err != nil {
		return nil, errorf(err)
	}
	contextDir, cleanup, err := exportContext(calc, img)
	if err != nil {
		return nil, errorf(err)
	}
	defer cleanup()
	last := map[string]string{}
	in := staged.Inputs{
		Platform: platform, CacheVersion: img.CacheVersion, DependencyArgs: depArgs, Context: contextDir,
		LastImageName: func(name string) (string, error) { return last[name], nil },
	}
	stored := func(si *staged.Image, stage, digest string) (*registry.StageDesc, error) {
		desc, err := storage.Lookup(ctx, digest)
		if err == nil && desc == nil {
			err = fmt.Errorf("%s %s: stage %s is not in %s yet: build the image first", si.Name, stage, digest, storage.Repo())
		}
		return desc, err
	}
	var list []StageDigest
	for _, si := range images {
		digest, _, err := si.FromDigest(in)
		if err != nil {
			return nil, errorf(err)
		}
		list = append(list, StageDigest{Image: si.Name, Name: "FROM", Digest: digest})
		from, err := stored(si, "FROM", digest)
		if err != nil {
			return nil, errorf(err)
		}
		cfg, err := from.Config(ctx)
		if err != nil {
			return nil, errorf(err)
		}
		in := in
		in.BaseEnv = cfg.Config.Env
		for i, step := range si.Steps {
			if digest, err = si.StepDigest(i, digest, in); err != nil {
				return nil, errorf(err)
			}
			list = append(list, StageDigest{Image: si.Name, Name: step.Name, Digest: digest})
		}
		if si.Target {
			return list, nil
		}
		desc, err := stored(si, "last stage", digest)
		if err != nil {
			return nil, errorf(err)
		}
		last[si.Name] = desc.Ref.Name()
	}
	return nil, errorf(errors.New("the Dockerfile has no target stage")) // Map always ends with the target
}
