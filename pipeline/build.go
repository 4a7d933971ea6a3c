package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Build runs a plan against a stages storage: every image is addressed by
// content, looked up, and built and published only when the storage lacks it;
// then multi-platform images get their manifest lists, final images their
// --final-repo copies and custom tags, and the report is made.
type Build struct {
	Config   *config.Config
	Snapshot *source.Snapshot
	Plan     *Plan
	Storage  *registry.Storage
	Builder  Builder // asked only for what the storage lacks

	CustomTags []string // --add-custom-tag templates, for the selected final images
	Version    string   // dagwerf's, for the werf-version label
	Loose      bool     // --loose-giterminism: build the commit even if COPY/ADD files changed
	Log        io.Writer
	LogPretty  bool                        // decorate image names in the log (--log-pretty)
	LookupEnv  func(string) (string, bool) // where env secrets are read
	KeepGoing  bool                        // --keep-going: a failure stops only the images that depend on it
	// Explainer, if set, says why each image whose stage is missing is rebuilt.
	Explainer *Explainer
	// Records: write werf's records beside the stages (managed-image-*, meta-*,
	// custom-tag-meta-*), as werf's build does into a --repo, so that werf's
	// cleanup keeps what this build needs. Not for the local store.
	Records bool
	// GitCacheDir holds the remote git repositories of Stapel git mappings
	// ($DAGWERF_HOME/git).
	GitCacheDir string

	ops operations // how long the run's operations took, for the report

	stapel *Stapel                  // the run's Stapel images, addressed and made
	warned sync.Map                 // warnings said, each once a run
	tasks  map[stapelKey]stapelTask // every task and its result, by image and platform

	worktreeOnce sync.Once
	worktreeSnap *source.Snapshot
	worktreeErr  error
}

// taskResult is what one image and platform came to.
type taskResult struct {
	desc      *registry.StageDesc // the image's last stage: what it is tagged, imported and listed by
	buildTime time.Duration       // what building its stages took in this run
	stages    []stagedStage       // a Dockerfile image's stages: dockerfile, then imageSpec if it has one
	reason    string              // why it is rebuilt, when it is and an Explainer says
	started   time.Time           // when its work began (its dependencies done, a slot had)
	ended     time.Time
	staged    []stagedImage // a staged image's werf images, the target last
	done      chan struct{}
	err       error
}

// Stage names of a Dockerfile image, as werf's report names them.
const (
	stageDockerfile = "dockerfile"
	stageImageSpec  = imagespec.StageName
)

// addStage records the next stage of a Dockerfile image: it becomes the image's
// last.
func (r *taskResult) addStage(name string, desc *registry.StageDesc, buildTime time.Duration) {
	r.stages = append(r.stages, stagedStage{name: name, desc: desc, buildTime: buildTime})
	r.desc = desc
	r.buildTime += buildTime
}

// skipped is the result of an image whose dependency failed.
type skipped struct{ dependency string }

func (s skipped) Error() string { return "skipped: its dependency " + s.dependency + " failed" }

// Run builds. At the first failure it cancels what is under way, or with
// KeepGoing lets every image that does not depend on the failure finish; the
// error names every image that failed.
func (b *Build) Run(ctx context.Context) (*Report, error) {
	if b.Log == nil {
		b.Log = io.Discard
	}
	// Tasks log side by side; a writer such as a bytes.Buffer is not safe for that.
	b.Log = &lockedWriter{w: b.Log}
	if b.LookupEnv == nil {
		b.LookupEnv = os.LookupEnv
	}
	if len(b.CustomTags) > 0 && !b.Config.LooseGiterminism() && !b.Config.Giterminism().CLI.AllowCustomTags {
		return nil, errCustomTags
	}
	start := time.Now()
	calc := stages.NewCalculator(b.Config, b.Snapshot)
	tasks := b.Plan.Tasks()
	results := make(map[*Task]*taskResult, len(tasks))
	b.tasks = make(map[stapelKey]stapelTask, len(tasks))
	for _, t := range tasks {
		results[t] = &taskResult{done: make(chan struct{})}
		b.tasks[stapelKey{t.Image.Name, t.Platform}] = stapelTask{t, results[t]}
	}
	b.stapel = &Stapel{
		Config: b.Config, Snapshot: b.Snapshot, Storage: b.Storage, GitCacheDir: b.GitCacheDir,
		WriteRecords: true, Calculator: calc, Make: b.makeStapelStage,
		// A Stapel image's task starts once the tasks of the images it takes
		// from are done: their results are final.
		Finished: func(img *config.Image, platform string) *registry.StageDesc {
			if task, ok := b.tasks[stapelKey{img.Name, platform}]; ok {
				return task.r.desc
			}
			return nil
		},
	}
	if b.Plan.Concurrent() {
		if err := b.Plan.Print(b.Log, b.LogPretty); err != nil {
			return nil, err
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run := func(t *Task) {
		r := results[t]
		defer close(r.done)
		for _, dep := range b.dependencyTasks(t) {
			select {
			case <-results[dep].done:
				if results[dep].err != nil {
					r.err = skipped{dependency: dep.Image.LogName()}
					if b.KeepGoing {
						fmt.Fprintf(b.Log, "%s: %v\n", t.LogName(b.Plan, b.LogPretty), r.err)
					}
					return
				}
			case <-ctx.Done():
				r.err = ctx.Err()
				return
			}
		}
		r.started = time.Now()
		r.err = b.runTask(ctx, calc, t, r, results)
		r.ended = time.Now()
		if r.err != nil && ctx.Err() == nil {
			fmt.Fprintf(b.Log, "%s: failed (%.2f seconds)\n", t.LogName(b.Plan, b.LogPretty), r.ended.Sub(r.started).Seconds())
			if !b.KeepGoing {
				cancel(r.err)
			}
		}
	}
	if b.Plan.Concurrent() {
		limit := b.Plan.Limit
		if limit <= 0 {
			limit = len(tasks)
		}
		sem := make(chan struct{}, limit)
		var wg sync.WaitGroup
		for _, t := range tasks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Wait for dependencies before taking a slot: a slot goes only to an image
				// that can start.
				for _, dep := range b.dependencyTasks(t) {
					select {
					case <-results[dep].done:
					case <-ctx.Done():
					}
				}
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
					run(t)
				case <-ctx.Done():
					results[t].err = ctx.Err()
					close(results[t].done)
				}
			}()
		}
		wg.Wait()
	} else {
		for _, t := range tasks {
			run(t)
			if results[t].err != nil && !b.KeepGoing {
				break
			}
		}
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}
	var failed []error
	for _, t := range tasks {
		err := results[t].err
		if err != nil && !errors.Is(err, context.Canceled) && !errors.As(err, new(skipped)) {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		return nil, errors.Join(failed...)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	report, err := b.finish(ctx, results)
	if err != nil {
		return nil, err
	}
	b.summarize(results, time.Since(start))
	return report, nil
}

// summarize logs what the run came to: how many stages it built, copied from a
// secondary repo, or found.
func (b *Build) summarize(results map[*Task]*taskResult, took time.Duration) {
	var built, copied int
	for _, r := range results {
		switch r.desc.Origin {
		case registry.OriginBuilt:
			built++
		case registry.OriginSecondary:
			copied++
		}
	}
	fmt.Fprintf(b.Log, "Summary: %d images and platforms: %d built, %d copied from a secondary repo, %d up to date (%.2f seconds); critical path: %s\n",
		len(results), built, copied, len(results)-built-copied, took.Seconds(), b.criticalPath(results))
}

// criticalPath is the chain of images the run waited on longest: from the
// image that finished last back through, at each step, the dependency that
// finished last, with each image's own time.
func (b *Build) criticalPath(results map[*Task]*taskResult) string {
	var last *Task
	for t, r := range results {
		if last == nil || r.ended.After(results[last].ended) {
			last = t
		}
	}
	var chain []string
	for t := last; t != nil; {
		r := results[t]
		name := t.Image.LogName()
		if len(t.Platforms) > 1 {
			name += " [" + t.Platform + "]"
		}
		chain = append(chain, fmt.Sprintf("%s %.2fs", name, r.ended.Sub(r.started).Seconds()))
		var next *Task
		for _, dep := range b.dependencyTasks(t) {
			if next == nil || results[dep].ended.After(results[next].ended) {
				next = dep
			}
		}
		t = next
	}
	slices.Reverse(chain)
	return strings.Join(chain, " → ")
}

// dependencyTasks are the tasks of the images t depends on, for t's platform:
// its dependencies, and a Stapel image's fromImage and import sources.
func (b *Build) dependencyTasks(t *Task) []*Task {
	var deps []*Task
	for _, d := range t.Image.DependsOn() {
		for _, other := range b.Plan.Tasks() {
			if other.Image.Name == d && other.Platform == t.Platform {
				deps = append(deps, other)
			}
		}
	}
	return deps
}

// runTask addresses one image and platform, and builds and publishes it if the
// storage lacks it.
func (b *Build) runTask(ctx context.Context, calc *stages.Calculator, t *Task, r *taskResult, results map[*Task]*taskResult) error {
	name := t.LogName(b.Plan, b.LogPretty)
	errorf := func(err error) error { return fmt.Errorf("image %q (%s): %w", t.Image.LogName(), t.Platform, err) }
	if t.Image.IsStapel() {
		return b.runStapel(ctx, t, r)
	}
	if t.Image.Staged {
		if t.Image.ImageSpec != nil {
			fmt.Fprintf(b.Log, "%s: imageSpec is left out: werf gives staged images no imageSpec stage\n", name)
		}
		if err := b.runStaged(ctx, calc, t, r, results); err != nil {
			return err
		}
		if r.desc.Origin == registry.OriginBuilt {
			fmt.Fprintf(b.Log, "%s: published %s (%.2f seconds)\n", name, r.desc.Ref, r.buildTime.Seconds())
		} else {
			fmt.Fprintf(b.Log, "%s: up to date: %s\n", name, r.desc.Ref)
		}
		return nil
	}
	stage, err := b.runDockerfileStage(ctx, calc, t, r, results)
	if err != nil {
		return err
	}
	if t.Image.ImageSpec != nil {
		if err := b.runImageSpecStage(ctx, t, r, stage.Digest); err != nil {
			return errorf(err)
		}
	}
	return nil
}

// runDockerfileStage addresses the stage a whole Dockerfile makes, and builds
// and publishes it if the storage lacks it.
func (b *Build) runDockerfileStage(ctx context.Context, calc *stages.Calculator, t *Task, r *taskResult, results map[*Task]*taskResult) (*stages.Stage, error) {
	name := t.LogName(b.Plan, b.LogPretty)
	errorf := func(err error) error { return fmt.Errorf("image %q (%s): %w", t.Image.LogName(), t.Platform, err) }
	imports := importResults{build: b, task: t, results: results}
	done := b.ops.observe(opDigest)
	stage, err := calc.Stage(ctx, t.Image, t.Platform, imports)
	done()
	if err != nil {
		return nil, err
	}
	labels := registry.StageLabels{
		Project:       b.Config.Meta.Project,
		Version:       b.Version,
		ContentDigest: stages.ContentDigest(t.Platform, stage.Digest),
		Commit:        b.Snapshot.Commit(),
	}
	for _, dep := range b.dependencyTasks(t) {
		labels.Dependencies = append(labels.Dependencies, results[dep].desc.ID)
	}
	st, err := b.runStep(ctx, stageStep{
		where: name, name: stageDockerfile, digest: stage.Digest, labels: labels,
		make: func(ctx context.Context) (registry.PushFunc, error) {
			r.reason = b.explain(ctx, t, stage, results)
			fmt.Fprintf(b.Log, "%s: building stage %s\n", name, stage.Digest)
			built, err := b.build(ctx, calc, t, stage, imports)
			if err != nil {
				return nil, err
			}
			return built.Push, nil
		},
	})
	if err != nil {
		return nil, errorf(err)
	}
	r.addStage(st.name, st.desc, st.buildTime)
	return stage, nil
}

// errCustomTags: as in werf, custom tags name images by something other than
// their content, which giterminism must allow.
var errCustomTags = errors.New("--add-custom-tag: custom tags are not allowed by giterminism: set cli.allowCustomTags: true in werf-giterminism.yaml, or give --loose-giterminism")

// explain says, when an Explainer is set, why t is rebuilt: what changed in
// the inputs of its whole-Dockerfile stage since its nearest earlier build. It
// logs the reason and returns it; "" without an Explainer.
func (b *Build) explain(ctx context.Context, t *Task, whole *stages.Stage, results map[*Task]*taskResult) string {
	if b.Explainer == nil {
		return ""
	}
	done := b.ops.observe(opExplain)
	e := b.Explainer.Explain(ctx, t.Image, t.Platform, whole)
	done()
	reason := e.String()
	if e.Same {
		reason += ", yet its stage is not in the repository (deleted by a cleanup?)"
	}
	// A dependency rebuilt in this run whose new stage shows in what changed (its
	// imported name, ID or digest): say why that one was, as it said it.
	for _, dep := range b.dependencyTasks(t) {
		r := results[dep]
		if r.reason == "" || r.desc == nil {
			continue
		}
		v := r.desc.ImportValues()
		shows := func(c string) bool {
			return slices.ContainsFunc([]string{v.Name, v.ID, v.Digest}, func(s string) bool { return s != "" && strings.Contains(c, s) })
		}
		if slices.ContainsFunc(e.Changes, shows) {
			reason += fmt.Sprintf("; image %s was rebuilt: %s", dep.Image.LogName(), r.reason)
		}
	}
	fmt.Fprintf(b.Log, "%s: rebuilding — %s\n", t.LogName(b.Plan, b.LogPretty), reason)
	return reason
}

// build runs the engine over the context the digest hashed.
func (b *Build) build(ctx context.Context, calc *stages.Calculator, t *Task, stage *stages.Stage, imports importResults) (Built, error) {
	req, err := b.request(ctx, calc, t, stage, imports)
	if err != nil {
		return nil, err
	}
	dir, cleanup, err := exportContext(calc, t.Image)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	req.ContextDir = dir
	return b.engineBuild(ctx, req)
}

// request is what a build of t takes but its context: it refuses what the
// engine cannot do and files COPY/ADD take (stage names them) with uncommitted
// changes, and gathers the build args, secrets and SSH agent.
func (b *Build) request(ctx context.Context, calc *stages.Calculator, t *Task, stage *stages.Stage, imports importResults) (BuildRequest, error) {
	img := t.Image
	if len(img.AddHost) > 0 {
		return BuildRequest{}, errors.New("addHost is not supported: Dagger's Dockerfile builds take no extra hosts (remove addHost, or build this image with werf)")
	}
	if img.Network != "" && img.Network != "default" {
		return BuildRequest{}, fmt.Errorf("network %q is not supported: Dagger's Dockerfile builds take no build-wide network mode (use RUN --network in the Dockerfile)", img.Network)
	}
	if !b.Snapshot.Dev() && !b.Loose {
		bc, err := calc.Context(img)
		if err != nil {
			return BuildRequest{}, err
		}
		if err := b.checkCommitted(ctx, bc, stage); err != nil {
			return BuildRequest{}, err
		}
	}
	secrets, err := b.secrets(img)
	if err != nil {
		return BuildRequest{}, err
	}
	args, err := b.buildArgs(ctx, img, imports)
	if err != nil {
		return BuildRequest{}, err
	}
	ssh, err := sshSocket(img.SSH, b.LookupEnv)
	if err != nil {
		return BuildRequest{}, err
	}
	return BuildRequest{
		Image: img, Platform: t.Platform, Dockerfile: img.DockerfileName(),
		Target: img.Target, BuildArgs: args, Secrets: secrets, SSH: ssh,
	}, nil
}

// exportContext writes an image's build context, as its digests hash it, into
// a temporary directory that cleanup removes.
func exportContext(calc *stages.Calculator, img *config.Image) (dir string, cleanup func(), err error) {
	bc, err := calc.Context(img)
	if err != nil {
		return "", nil, err
	}
	tmp, err := os.MkdirTemp("", "dagwerf-context-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	dir = filepath.Join(tmp, "context")
	if err := bc.Export(dir); err != nil {
		cleanup()
		return "", nil, err
	}
	return dir, cleanup, nil
}

// checkCommitted refuses to build committed content that differs from what the
// developer has on disk, as werf does: the image would not be what they see.
func (b *Build) checkCommitted(ctx context.Context, bc *buildcontext.Context, stage *stages.Stage) error {
	if len(stage.Sources) == 0 {
		return nil
	}
	wt, err := b.worktree()
	if err != nil {
		return err
	}
	files, err := bc.Uncommitted(ctx, wt, stage.Sources)
	if err != nil {
		return err
	}
	if len(files) > 0 {
		return fmt.Errorf("files that COPY/ADD take have uncommitted changes: %s; commit them, build the working tree with --dev, or build the commit anyway with --loose-giterminism", strings.Join(files, ", "))
	}
	return nil
}

// worktree is the working tree as a commit, made once per build.
func (b *Build) worktree() (*source.Snapshot, error) {
	b.worktreeOnce.Do(func() {
		b.worktreeSnap, b.worktreeErr = source.Open(b.Snapshot.ProjectDir(), source.WithWorktree())
	})
	return b.worktreeSnap, b.worktreeErr
}

// buildArgs are werf.yaml's args and every import of every dependency, as werf
// passes them.
func (b *Build) buildArgs(ctx context.Context, img *config.Image, imports importResults) (map[string]string, error) {
	args, _, err := dependencyArgs(ctx, img, imports.task.Platform, imports)
	if err != nil {
		return nil, err
	}
	for k, v := range img.Args {
		if _, imported := args[k]; !imported {
			args[k] = v
		}
	}
	return args, nil
}

// dependencyArgs are the values of every import of every dependency of img, by
// the build arg each fills, and those build args in werf.yaml's order.
func dependencyArgs(ctx context.Context, img *config.Image, platform string, imports stages.ImportSource) (map[string]string, []string, error) {
	values := map[string]string{}
	var keys []string
	for _, dep := range img.Dependencies {
		if imports == nil {
			return nil, nil, fmt.Errorf("it imports from image %q, which exists only once that image's stage is stored in a registry", config.LogName(dep.Image))
		}
		v, err := imports.ImportValues(ctx, dep.Image, platform)
		if err != nil {
			return nil, nil, err
		}
		for _, imp := range dep.Imports {
			keys = append(keys, imp.TargetBuildArg)
			values[imp.TargetBuildArg] = v.Get(imp.Type)
		}
	}
	return values, keys, nil
}

// secrets reads an image's build secrets.
func (b *Build) secrets(img *config.Image) ([]Secret, error) {
	var out []Secret
	for _, s := range img.Secrets {
		switch {
		case s.Env != "":
			v, ok := b.LookupEnv(s.Env)
			if !ok {
				return nil, fmt.Errorf("secret %q: environment variable %s is not set", s.ID, s.Env)
			}
			out = append(out, Secret{ID: s.ID, Value: []byte(v)})
		case s.Src != "":
			p := s.Src
			if home, err := os.UserHomeDir(); err == nil && (p == "~" || strings.HasPrefix(p, "~/")) {
				p = filepath.Join(home, p[1:])
			}
			if !filepath.IsAbs(p) {
				p = filepath.Join(b.Snapshot.ProjectDir(), p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("secret %q: %w", s.ID, err)
			}
			out = append(out, Secret{ID: s.ID, Value: data})
		default:
			out = append(out, Secret{ID: s.ID, Value: []byte(s.Value)})
		}
	}
	return out, nil
}

// sshSocket resolves werf.yaml's ssh: "default" is $SSH_AUTH_SOCK.
func sshSocket(ssh string, lookup func(string) (string, bool)) (string, error) {
	switch ssh {
	case "":
		return "", nil
	case "default":
		sock, ok := lookup("SSH_AUTH_SOCK")
		if !ok || sock == "" {
			return "", errors.New("ssh: default needs an SSH agent ($SSH_AUTH_SOCK is not set)")
		}
		return sock, nil
	}
	if _, err := os.Stat(ssh); err != nil {
		return "", fmt.Errorf("ssh: %w", err)
	}
	return ssh, nil
}

// importResults hands a task the import values of the stages its dependencies
// came to in this run.
type importResults struct {
	build   *Build
	task    *Task
	results map[*Task]*taskResult
}

func (i importResults) ImportValues(_ context.Context, image, platform string) (stages.ImportValues, error) {
	for _, dep := range i.build.dependencyTasks(i.task) {
		if dep.Image.Name == image && dep.Platform == platform {
			if r := i.results[dep]; r.desc != nil {
				return r.desc.ImportValues(), nil
			}
		}
	}
	return stages.ImportValues{}, fmt.Errorf("image %q has no %s stage in this build", config.LogName(image), platform)
}

// finish publishes what needs all platforms (manifest lists), copies final images
// to --final-repo, adds custom tags, and reports.
func (b *Build) finish(ctx context.Context, results map[*Task]*taskResult) (*Report, error) {
	report := &Report{Runtime: ReportRuntime{Backend: "dagger"}, Images: map[string]ReportImage{}, ImagesByPlatform: map[string]map[string]ReportImage{}}
	// Whatever finish does, the report has the run's operations.
	defer func() { report.Operations, report.StageCache = b.ops.summary() }()
	var customTagImages []registry.CustomTagImage
	var imageRecords []registry.ImageRecord
	manifests := map[string]registry.Manifest{}
	for _, img := range b.imagesInOrder() {
		byPlatform := map[string]*registry.StageDesc{}
		var records []ReportImage
		for _, t := range b.Plan.Tasks() {
			if t.Image != img {
				continue
			}
			r := results[t]
			byPlatform[t.Platform] = r.desc
			rec, err := b.stageRecord(ctx, t, r)
			if err != nil {
				return nil, err
			}
			records = append(records, rec)
			if report.ImagesByPlatform[img.Name] == nil {
				report.ImagesByPlatform[img.Name] = map[string]ReportImage{}
			}
			report.ImagesByPlatform[img.Name][t.Platform] = rec
		}
		var m registry.Manifest
		record := records[0]
		if len(byPlatform) > 1 {
			list, err := b.Storage.PublishManifestList(ctx, byPlatform)
			if err != nil {
				return nil, fmt.Errorf("image %q: %w", img.LogName(), err)
			}
			m = list
			record = multiPlatformRecord(img, records, list)
			if list.Written {
				fmt.Fprintf(b.Log, "image %s: published manifest list %s\n", img.LogName(), list.Ref)
			}
		} else {
			m = byPlatform[records[0].TargetPlatform]
		}
		imageRecords = append(imageRecords, registry.ImageRecord{Image: img.Name, StageID: m.Reference().TagStr()})
		if img.Final {
			ref, err := b.Storage.CopyToFinal(ctx, m)
			if err != nil {
				return nil, fmt.Errorf("image %q: %w", img.LogName(), err)
			}
			record.DockerRepo, record.DockerTag, record.DockerImageName = ref.Context().String(), ref.TagStr(), ref.Name()
			if slices.Contains(b.Plan.Selected, img) {
				customTagImages = append(customTagImages, registry.CustomTagImage{Name: img.Name, ContentBasedTag: m.Reference().TagStr()})
				manifests[img.Name] = m
			}
		}
		report.Images[img.Name] = record
	}
	if err := b.reportStageImages(ctx, report, results); err != nil {
		return nil, err
	}
	imageRecords = append(imageRecords, stageImageRecords(b.Plan.Tasks(), results)...)
	if len(b.CustomTags) > 0 {
		tags, err := registry.CustomTags(b.CustomTags, customTagImages)
		if err != nil {
			return nil, err
		}
		for _, img := range customTagImages {
			refs, err := b.Storage.AddTags(ctx, manifests[img.Name], tags[img.Name]...)
			if err != nil {
				return nil, fmt.Errorf("image %q: %w", config.LogName(img.Name), err)
			}
			for _, ref := range refs {
				fmt.Fprintf(b.Log, "image %s: tagged %s\n", config.LogName(img.Name), ref)
			}
			if b.Records {
				if err := b.Storage.WriteCustomTagRecords(ctx, manifests[img.Name].Reference().TagStr(), tags[img.Name]); err != nil {
					return nil, fmt.Errorf("image %q: %w", config.LogName(img.Name), err)
				}
			}
		}
	}
	if b.Records {
		if err := b.Storage.WriteImageRecords(ctx, b.recordsPolicy(), imageRecords); err != nil {
			return nil, err
		}
	}
	return report, nil
}

// imagesInOrder are the plan's images in the configuration's order.
func (b *Build) imagesInOrder() []*config.Image {
	var out []*config.Image
	for _, img := range b.Config.Images {
		for _, t := range b.Plan.Tasks() {
			if t.Image == img {
				out = append(out, img)
				break
			}
		}
	}
	return out
}

// stageRecord reports one image and platform; its config gives the creation time
// and commit.
func (b *Build) stageRecord(ctx context.Context, t *Task, r *taskResult) (ReportImage, error) {
	if n := len(r.staged); n > 0 {
		rec, err := stagedRecord(ctx, r.staged[n-1], t.Platform)
		rec.WerfImageName, rec.ConfigType, rec.Final = t.Image.Name, "staged", t.Image.Final
		if rec.Rebuilt {
			rec.Reason = r.reason
		}
		return rec, err
	}
	var reported []ReportStage
	for _, st := range r.stages {
		source := ""
		switch st.desc.Origin {
		case registry.OriginSecondary:
			source = "secondary"
		case registry.OriginBuilt:
			source = "repo"
		}
		rs, err := stageReport(ctx, st.desc, st.name, source, st.buildTime)
		if err != nil {
			return ReportImage{}, fmt.Errorf("image %q (%s): %w", t.Image.LogName(), t.Platform, err)
		}
		reported = append(reported, rs)
	}
	rec := imageReport(r.desc, t.Platform, reported)
	rec.WerfImageName, rec.ConfigType, rec.Final = t.Image.Name, "dockerfile", t.Image.Final
	if t.Image.IsStapel() {
		rec.ConfigType = "stapel"
	}
	if rec.Rebuilt {
		rec.Reason = r.reason
	}
	return rec, nil
}

// reportStageImages adds the werf images a staged Dockerfile's target is built
// from (<image>/stage/<name>), as werf reports them: not final, of no werf.yaml
// type ("unknown"); by platform, and under Images when the image has one platform.
func (b *Build) reportStageImages(ctx context.Context, report *Report, results map[*Task]*taskResult) error {
	for _, t := range b.Plan.Tasks() {
		r := results[t]
		for _, si := range r.staged {
			if si.target {
				continue
			}
			rec, err := stagedRecord(ctx, si, t.Platform)
			if err != nil {
				return err
			}
			rec.WerfImageName, rec.ConfigType = si.name, "unknown"
			if report.ImagesByPlatform[si.name] == nil {
				report.ImagesByPlatform[si.name] = map[string]ReportImage{}
			}
			report.ImagesByPlatform[si.name][t.Platform] = rec
			if len(t.Platforms) == 1 {
				report.Images[si.name] = rec
			}
		}
	}
	return nil
}

// stagedRecord reports a werf image of a staged Dockerfile by its last stage,
// with every stage (FROM, then each instruction) and what this run did with it.
func stagedRecord(ctx context.Context, si stagedImage, platform string) (ReportImage, error) {
	var stages []ReportStage
	for _, st := range si.stages {
		source := ""
		switch {
		case st.desc.Origin == registry.OriginSecondary:
			source = "secondary"
		case st.desc.Origin == registry.OriginBuilt && st.name == "FROM":
			source = "registry"
		case st.desc.Origin == registry.OriginBuilt:
			source = "repo"
		}
		rs, err := stageReport(ctx, st.desc, st.name, source, st.buildTime)
		if err != nil {
			return ReportImage{}, err
		}
		rs.BaseImagePulled = rs.Rebuilt && st.name == "FROM"
		stages = append(stages, rs)
	}
	return imageReport(si.stages[len(si.stages)-1].desc, platform, stages), nil
}

// stageReport is a stored stage as the report lists it.
func stageReport(ctx context.Context, d *registry.StageDesc, name, source string, buildTime time.Duration) (ReportStage, error) {
	cfg, err := d.Config(ctx)
	if err != nil {
		return ReportStage{}, err
	}
	size, err := d.LayersSize()
	if err != nil {
		return ReportStage{}, err
	}
	return ReportStage{
		Name: name, DockerImageName: d.Ref.Name(), DockerTag: d.Ref.TagStr(),
		DockerImageID: d.ConfigID.String(), DockerImageDigest: d.Manifest.Digest.String(),
		CreatedAt: createdAt(cfg.Created.Time), Size: size, SourceType: source,
		Rebuilt: d.Origin == registry.OriginBuilt, BuildTime: fmt.Sprintf("%.2f", buildTime.Seconds()),
		Commit: cfg.Config.Labels[registry.LabelCommit],
	}, nil
}

// imageReport is an image as its last stage d describes it; Rebuilt when any of
// its stages was, BuildTime the sum of theirs.
func imageReport(d *registry.StageDesc, platform string, stages []ReportStage) ReportImage {
	last := stages[len(stages)-1]
	rec := ReportImage{
		DockerRepo: d.Ref.Context().String(), DockerTag: last.DockerTag,
		DockerImageID: last.DockerImageID, DockerImageDigest: last.DockerImageDigest, DockerImageName: last.DockerImageName,
		TargetPlatform: platform, Size: last.Size, Commit: last.Commit, Stages: stages,
	}
	var times []string
	for _, st := range stages {
		rec.Rebuilt = rec.Rebuilt || st.Rebuilt
		times = append(times, st.BuildTime)
	}
	rec.BuildTime = sumSeconds(times)
	return rec
}

// multiPlatformRecord reports a multi-platform image by its manifest list, with
// every platform's stages named with their platform, as werf does; werf gives
// such a record no config type.
func multiPlatformRecord(img *config.Image, records []ReportImage, list *registry.ManifestListDesc) ReportImage {
	rec := ReportImage{
		WerfImageName: img.Name,
		DockerRepo:    list.Ref.Context().String(), DockerTag: list.Ref.TagStr(),
		DockerImageID: list.Manifest.Digest.String(), DockerImageDigest: list.Manifest.Digest.String(), DockerImageName: list.Ref.Name(),
		Final: img.Final, Stages: []ReportStage{}, ManifestListWritten: list.Written,
	}
	var times []string
	for _, r := range records {
		rec.Rebuilt = rec.Rebuilt || r.Rebuilt
		if rec.Reason == "" {
			rec.Reason = r.Reason
		}
		times = append(times, r.BuildTime)
		for _, st := range r.Stages {
			st.Name = stageName(st.Name, r.TargetPlatform)
			rec.Stages = append(rec.Stages, st)
		}
	}
	rec.BuildTime = sumSeconds(times)
	return rec
}

// sumSeconds adds up report build times ("1.25").
func sumSeconds(times []string) string {
	var total float64
	for _, t := range times {
		var secs float64
		fmt.Sscanf(t, "%f", &secs)
		total += secs
	}
	return fmt.Sprintf("%.2f", total)
}

// lockedWriter passes one Write at a time to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
