package pipeline

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
	"github.com/dagwerf/dagwerf/stages/stapel"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// stapelTask is a task of the build with its result, by image and platform:
// what the walk that makes a Stapel image's stages reports to. The map is made
// before any task starts and only read after.
type stapelTask struct {
	t *Task
	r *taskResult
}

// runStapel builds a Stapel image for a platform: its stages in werf's order,
// each looked up and, from the first one missing, made from the previous stage
// as stored and published as it completes — shell stages on the engine, the
// others registry-side.
func (b *Build) runStapel(ctx context.Context, t *Task, r *taskResult) error {
	a, err := b.stapel.Address(ctx, t.Image, t.Platform)
	if err != nil {
		return err
	}
	last := r.desc // addStage keeps the last stage made or found
	if last == nil || last != a.Stored[a.Last().Name] {
		return fmt.Errorf("image %q (%s): its last stage was not stored", t.Image.LogName(), t.Platform)
	}
	name := t.LogName(b.Plan, b.LogPretty)
	if r.buildTime > 0 && b.Explainer != nil {
		// Said once the chain is walked: a Stapel explanation compares every stage.
		done := b.ops.observe(opExplain)
		e := b.Explainer.ExplainStapel(ctx, t.Image, t.Platform, b.stapel.stageDigests(t.Image, a))
		done()
		r.reason = e.String()
		fmt.Fprintf(b.Log, "%s: rebuilt — %s\n", name, r.reason)
	}
	if r.buildTime > 0 {
		fmt.Fprintf(b.Log, "%s: published %s (%.2f seconds)\n", name, last.Ref, r.buildTime.Seconds())
	} else {
		fmt.Fprintf(b.Log, "%s: up to date: %s\n", name, last.Ref)
	}
	return nil
}

// makeStapelStage finds one stage of a Stapel image being built, or makes it
// from the previous stage as stored and publishes it.
func (b *Build) makeStapelStage(ctx context.Context, w *stapelWalk, st *stapel.Stage) (*registry.StageDesc, error) {
	task, ok := b.tasks[stapelKey{w.img.Name, w.platform}]
	if !ok {
		return nil, fmt.Errorf("image %q (%s) is not built in this run: build it first", w.img.LogName(), w.platform)
	}
	where := fmt.Sprintf("%s: %s", task.t.LogName(b.Plan, b.LogPretty), st.Name)
	labels := registry.StageLabels{Project: b.Config.Meta.Project, Version: b.Version, Commit: b.Snapshot.Commit()}
	if w.prev != nil {
		labels.ParentStage, labels.BaseImageID = w.prev.ID.String(), w.prev.ConfigID.String()
	} else if base, err := b.stapelBase(ctx, w); err != nil {
		return nil, err
	} else if base != nil {
		labels.ParentStage = base.ID.String() // werf: an image based on another's stage
	}
	var own map[string]string
	var made stapelMade // what making the stage left to clean up
	defer made.close()
	done, err := b.runStep(ctx, stageStep{
		where: where, name: string(st.Name), digest: st.Digest, labels: labels, quiet: true,
		parent:   w.prev,
		suitable: suitable(st),
		make: func(ctx context.Context) (registry.PushFunc, error) {
			var err error
			if own, err = w.chain.Building(ctx, st); err != nil {
				return nil, err
			}
			fmt.Fprintf(b.Log, "%s: building stage %s\n", where, st.Digest)
			return b.stapelPush(ctx, w, st, &made)
		},
		own: func() map[string]string { return own },
	})
	if err != nil {
		return nil, err
	}
	task.r.addStage(done.name, done.desc, done.buildTime)
	return done.desc, nil
}

// stapelBase is the stored stage an image's from stage starts from when it is
// another image's (fromImage), else nil.
func (b *Build) stapelBase(ctx context.Context, w *stapelWalk) (*registry.StageDesc, error) {
	if w.img.Stapel.FromImage == "" {
		return nil, nil
	}
	ref, err := stapelImages{b.stapel}.LastStage(ctx, w.img.Stapel.FromImage, w.platform)
	if err != nil {
		return nil, err
	}
	return b.stapel.stored(ref.StageID)
}

// stored is a stage this run found or made, by stage ID.
func (s *Stapel) stored(stageID string) (*registry.StageDesc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.descs[stageID]; d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("stage %s is %w", stageID, errNotStored)
}

// stapelMade holds the layer builders of a stage being made: their layers
// are read when the stage is pushed, and removed after.
type stapelMade struct{ builders []*layer.Builder }

func (m *stapelMade) layerBuilder(b *Build, base v1.Image) *layer.Builder {
	lb := layer.New(base, layer.WithWarnings(func(format string, args ...any) {
		fmt.Fprintf(b.Log, "warning: "+format+"\n", args...)
	}))
	m.builders = append(m.builders, lb)
	return lb
}

func (m *stapelMade) close() {
	for _, lb := range m.builders {
		_ = lb.Close()
	}
}

// stapelPush makes a stage from the previous one, by its kind: shell stages on
// the engine, the others registry-side.
func (b *Build) stapelPush(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (registry.PushFunc, error) {
	s := w.img.Stapel
	switch st.Name {
	case stapel.From:
		return b.stapelFrom(ctx, w, st, made)
	case stapel.BeforeInstall, stapel.Install, stapel.BeforeSetup, stapel.Setup:
		return b.stapelShell(ctx, w, st, made)
	case stapel.GitArchive, stapel.GitCache, stapel.GitLatestPatch:
		return b.stapelGit(ctx, w, st, made)
	case stapel.DependenciesBeforeInstall, stapel.DependenciesAfterInstall, stapel.DependenciesBeforeSetup, stapel.DependenciesAfterSetup:
		return b.stapelDependencies(ctx, w, st, made)
	case stapel.DockerInstructions:
		change, err := dockerInstructionsChange(s.Docker)
		if err != nil {
			return nil, err
		}
		return b.Storage.ConfigPush(w.prev, b.stapelChange(change)), nil
	case stapel.ImageSpec:
		return b.Storage.ConfigPush(w.prev, b.imageSpecChange(w.img, w.platform)), nil
	}
	return nil, fmt.Errorf("stage %s: no such Stapel stage", st.Name)
}

// stapelLayer is a stage that adds one layer over the previous stage, made by
// steps, with the config changed by change.
func (b *Build) stapelLayer(ctx context.Context, w *stapelWalk, made *stapelMade, change registry.ConfigChange, steps func(*layer.Builder) error) (registry.PushFunc, error) {
	prev, err := w.prev.Image(ctx)
	if err != nil {
		return nil, err
	}
	lb := made.layerBuilder(b, prev)
	if err := steps(lb); err != nil {
		return nil, err
	}
	l, err := lb.Layer(ctx)
	if err != nil {
		return nil, err
	}
	return b.Storage.LayerPush(w.prev, []v1.Layer{l}, b.stapelChange(change)), nil
}

// stapelGit puts the files of the image's git mappings into the image: the
// whole of each at its commit (gitArchive), or what changed since the commit
// the previous stage recorded (gitCache, gitLatestPatch), local mappings
// first, as werf orders them.
func (b *Build) stapelGit(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (registry.PushFunc, error) {
	prevCfg, err := w.prev.Config(ctx)
	if err != nil {
		return nil, err
	}
	return b.stapelLayer(ctx, w, made, registry.AddLabels, func(lb *layer.Builder) error {
		for _, m := range localFirst(w.git) {
			if st.Name == stapel.GitArchive {
				if err := lb.GitArchive(ctx, m); err != nil {
					return err
				}
				continue
			}
			from, err := m.BaseCommit(ctx, prevCfg.Config.Labels)
			if err != nil {
				return err
			}
			if err := lb.GitPatch(ctx, m, from); err != nil {
				return err
			}
		}
		return nil
	})
}

// localFirst orders mappings as werf applies them: the project's own, then
// remote ones, each in werf.yaml order.
func localFirst(ms []*gitmap.Mapping) []*gitmap.Mapping {
	out := make([]*gitmap.Mapping, 0, len(ms))
	for _, local := range []bool{true, false} {
		for _, m := range ms {
			if m.Config.IsLocal() == local {
				out = append(out, m)
			}
		}
	}
	return out
}

// stapelDependencies copies the files of the stage's imports (grouped by
// source image in order of first use, as werf applies them) and sets the
// dependencies' variables.
func (b *Build) stapelDependencies(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (registry.PushFunc, error) {
	if len(st.Imports) == 0 {
		return b.Storage.ConfigPush(w.prev, b.stapelChange(envChange(st.Env))), nil
	}
	var order []string
	bySource := map[string][]stapel.Import{}
	for _, imp := range st.Imports {
		src := imp.Request.SourceImage
		if _, seen := bySource[src]; !seen {
			order = append(order, src)
		}
		bySource[src] = append(bySource[src], imp)
	}
	return b.stapelLayer(ctx, w, made, envChange(st.Env), func(lb *layer.Builder) error {
		for _, src := range order {
			imps := bySource[src]
			img, err := b.importSource(ctx, imps[0].Request)
			if err != nil {
				return err
			}
			for _, imp := range imps {
				if err := lb.Import(ctx, img, imp.Request.Import); err != nil {
					return fmt.Errorf("import %s from %s: %w", imp.Request.Import.Add, src, err)
				}
			}
		}
		return nil
	})
}

// importSource is the image an import takes files from, as stored.
func (b *Build) importSource(ctx context.Context, req stapel.ImportRequest) (v1.Image, error) {
	return stapelImportChecksums{b.stapel}.source(ctx, req)
}

// stapelFrom makes the from stage: the base with the stage's labels — an
// empty image for scratch, another image's last stage for fromImage, a
// registry image for from — and, for an image with mounts, the mount points
// emptied as werf empties them.
func (b *Build) stapelFrom(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (registry.PushFunc, error) {
	change := b.stapelChange(registry.AddLabels)
	if st.Scratch {
		img, err := registry.ScratchImage(w.platform)
		if err != nil {
			return nil, err
		}
		return b.Storage.ImagePush(img, registry.AddLabels), nil // werf makes it by mutation: no commit environment
	}
	var mounts []string
	for _, m := range w.img.Stapel.Mounts {
		mounts = append(mounts, m.To)
	}
	// emptied is the base with its mount points emptied, as one more layer.
	emptied := func(base v1.Image) (v1.Layer, error) {
		lb := made.layerBuilder(b, base)
		if err := lb.EmptyDirs(ctx, mounts); err != nil {
			return nil, err
		}
		return lb.Layer(ctx)
	}
	if w.img.Stapel.FromImage != "" {
		base, err := b.stapelBase(ctx, w)
		if err != nil {
			return nil, err
		}
		var layers []v1.Layer
		if len(mounts) > 0 {
			img, err := base.Image(ctx)
			if err != nil {
				return nil, err
			}
			l, err := emptied(img)
			if err != nil {
				return nil, fmt.Errorf("empty the mount points of %s: %w", base.Ref, err)
			}
			layers = append(layers, l)
		}
		return b.Storage.LayerPush(base, layers, change), nil
	}
	ext, err := b.Storage.External(ctx, st.BaseRef)
	if err != nil {
		return nil, err
	}
	img, err := ext.Image(w.platform)
	if err != nil {
		return nil, err
	}
	if len(mounts) > 0 {
		l, err := emptied(img)
		if err != nil {
			return nil, fmt.Errorf("empty the mount points of %s: %w", st.BaseRef, err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	return b.Storage.ImagePush(img, change), nil
}

// commitEnv is the environment werf gives every Stapel stage it builds: the
// HEAD commit, in the run and in the committed config.
func (b *Build) commitEnv() map[string]string {
	return StapelCommitEnv(b.Snapshot.Commit(), b.Snapshot.CommitTime())
}

// stapelChange is a Stapel stage's config change with werf's commit
// environment set first, as werf's buildah backend commits it into every
// stage it builds (all but scratch and imageSpec, which werf makes by
// mutation).
func (b *Build) stapelChange(change registry.ConfigChange) registry.ConfigChange {
	env := b.commitEnv()
	return func(cfg *v1.ConfigFile, labels map[string]string) (*v1.ConfigFile, error) {
		setEnv(&cfg.Config, env)
		return change(cfg, labels)
	}
}

// stapelShell runs a user stage's commands on the engine over the previous
// stage as stored.
func (b *Build) stapelShell(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (registry.PushFunc, error) {
	sb, ok := b.Builder.(ShellBuilder)
	if !ok {
		return nil, fmt.Errorf("stage %s: the builder cannot run shell commands", st.Name)
	}
	secrets, err := b.secrets(w.img)
	if err != nil {
		return nil, err
	}
	base, err := b.stapelShellBase(ctx, w, st, made)
	if err != nil {
		return nil, err
	}
	req := ShellRequest{
		Image: w.img, Platform: w.platform, Stage: string(st.Name), Base: base,
		Commands: shellCommands(w.img.Stapel.Shell, st.Name), Mounts: b.shellMounts(w.img),
		Secrets: secrets, Network: w.img.Stapel.Network, Env: b.commitEnv(),
	}
	built, err := b.engineShell(ctx, sb, req)
	if err != nil {
		return nil, err
	}
	return built.Push, nil
}

// stapelShellBase is the container a user stage's commands run in: the
// previous stage as stored, or, for a stage after gitArchive over a stage
// whose files are not at the current commits, that stage with the git patch
// to them applied first, as werf's UserWithGitPatchStage does (the buildah
// backend applies the data archives, then runs the commands). The patched
// container goes to --repo by digest alone: it is no stage.
func (b *Build) stapelShellBase(ctx context.Context, w *stapelWalk, st *stapel.Stage, made *stapelMade) (string, error) {
	prev := w.prev.Ref.String()
	if st.Name == stapel.BeforeInstall || len(w.git) == 0 {
		return prev, nil
	}
	prevCfg, err := w.prev.Config(ctx)
	if err != nil {
		return "", err
	}
	type patch struct {
		m    *gitmap.Mapping
		from string
	}
	var patches []patch
	for _, m := range localFirst(w.git) {
		from, err := m.BaseCommit(ctx, prevCfg.Config.Labels)
		if err != nil {
			return "", fmt.Errorf("git mapping %s: commit of the previous stage: %w", m.Name(), err)
		}
		empty, err := m.IsPatchEmpty(ctx, from)
		if err != nil {
			return "", fmt.Errorf("git mapping %s: patch from %s: %w", m.Name(), from, err)
		}
		if !empty {
			patches = append(patches, patch{m, from})
		}
	}
	if len(patches) == 0 {
		return prev, nil
	}
	img, err := w.prev.Image(ctx)
	if err != nil {
		return "", err
	}
	lb := made.layerBuilder(b, img)
	for _, p := range patches {
		if err := lb.GitPatch(ctx, p.m, p.from); err != nil {
			return "", fmt.Errorf("git mapping %s: patch from %s: %w", p.m.Name(), p.from, err)
		}
	}
	l, err := lb.Layer(ctx)
	if err != nil {
		return "", err
	}
	ref, err := b.Storage.PushUntagged(ctx, w.prev, []v1.Layer{l})
	if err != nil {
		return "", fmt.Errorf("the previous stage with the git patch: %w", err)
	}
	return ref.String(), nil
}

// shellCommands are the commands of one user stage.
func shellCommands(sh *config.Shell, stage stapel.StageName) []string {
	if sh == nil {
		return nil
	}
	switch stage {
	case stapel.BeforeInstall:
		return sh.BeforeInstall
	case stapel.Install:
		return sh.Install
	case stapel.BeforeSetup:
		return sh.BeforeSetup
	case stapel.Setup:
		return sh.Setup
	}
	return nil
}

// shellMounts are an image's mounts as its shell stages see them; a
// build_dir is one cache volume per project and path, as werf keeps one
// directory per project and path.
func (b *Build) shellMounts(img *config.Image) []ShellMount {
	out := make([]ShellMount, len(img.Stapel.Mounts))
	for i, m := range img.Stapel.Mounts {
		out[i] = ShellMount{To: m.To, Kind: m.Type(), FromPath: m.FromPath}
		if m.Type() == config.MountBuildDir {
			out[i].CacheKey = "dagwerf-build-dir-" + b.Config.Meta.Project + "-" + m.To
		}
	}
	return out
}
