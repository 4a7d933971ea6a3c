package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/imagespec"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Explanation says why an image's stage at this commit differs from the one it
// had at an earlier commit: the inputs of its digest that changed.
type Explanation struct {
	Against string   `json:"against,omitempty"` // the commit compared with
	Changes []string `json:"changes,omitempty"` // what differs, a sentence each
	Note    string   `json:"note,omitempty"`    // why there is nothing to compare, or nothing differs
	Same    bool     `json:"same,omitempty"`    // nothing the digest takes differs
}

// String is the explanation on one line.
func (e Explanation) String() string {
	if len(e.Changes) == 0 {
		return e.Note
	}
	return strings.Join(e.Changes, "; ") + " (since " + shortCommit(e.Against) + ")"
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// maxAncestors bounds the history searched for an earlier recorded build.
const maxAncestors = 1000

// Explainer compares images with what they were at an earlier commit: the one
// given, or the nearest ancestor whose build of the image is recorded in the
// storage's meta records. It reads git and the run's tag listing; it requests
// from the registry only the stages the old commit's imports name. It is safe
// for concurrent use.
type Explainer struct {
	Snapshot *source.Snapshot                                              // the commit being built
	Storage  *registry.Storage                                             // records and old imports; nil without a repository
	LoadAt   func(commit string) (*source.Snapshot, *config.Config, error) // the project at another commit
	Against  string                                                        // the commit to compare with; "" finds one
	// GitCacheDir holds remote git repositories of Stapel git mappings.
	GitCacheDir string

	mu  sync.Mutex
	old map[string]*oldProject

	ancestorsOnce sync.Once // the history is walked once for every image explained
	ancestors     []string
	ancestorsErr  error
}

// oldProject is the project at one earlier commit, loaded once.
type oldProject struct {
	once   sync.Once
	snap   *source.Snapshot
	cfg    *config.Config
	calc   *stages.Calculator
	stapel *Stapel // its Stapel images, addressed against the storage
	err    error
}

// Explain compares img for platform, whose stage at this commit is current
// (its whole-Dockerfile stage), with its stage at the earlier commit.
func (x *Explainer) Explain(ctx context.Context, img *config.Image, platform string, current *stages.Stage) Explanation {
	commit, old, oldImg, none := x.earlier(ctx, img)
	if none != nil {
		return *none
	}
	var imports stages.ImportSource
	if x.Storage != nil {
		imports = StorageImports{Config: old.cfg, Calculator: old.calc, Storage: x.Storage}
	}
	before, err := old.calc.Stage(ctx, oldImg, platform, imports)
	if err != nil {
		return Explanation{Against: commit, Note: fmt.Sprintf("cannot address it at %s: %v", shortCommit(commit), err)}
	}
	changes, err := stages.ExplainFiles(ctx, before, current)
	if err != nil {
		return Explanation{Against: commit, Note: fmt.Sprintf("cannot compare with %s: %v", shortCommit(commit), err)}
	}
	e := Explanation{Against: commit}
	for _, c := range changes {
		e.Changes = append(e.Changes, c.String())
	}
	if specOf(oldImg) != specOf(img) {
		e.Changes = append(e.Changes, "imageSpec changed")
	}
	if len(e.Changes) == 0 {
		e.Same = true
		e.Note = fmt.Sprintf("nothing its digest takes changed since %s", shortCommit(commit))
	}
	return e
}

// earlier is the commit to compare img with, the project there and img in it;
// or the explanation of why there is none.
func (x *Explainer) earlier(ctx context.Context, img *config.Image) (string, *oldProject, *config.Image, *Explanation) {
	commit, note := x.Against, ""
	if commit == "" {
		commit, note = x.nearestRecorded(ctx, img)
		if commit == "" {
			return "", nil, nil, &Explanation{Note: note}
		}
	}
	old, err := x.project(commit)
	if err != nil {
		return "", nil, nil, &Explanation{Against: commit, Note: fmt.Sprintf("cannot read the project at %s: %v", shortCommit(commit), err)}
	}
	oldImg := old.cfg.Image(img.Name)
	if oldImg == nil {
		return "", nil, nil, &Explanation{Against: commit, Note: fmt.Sprintf("image %q is not in werf.yaml at %s", img.LogName(), shortCommit(commit))}
	}
	return commit, old, oldImg, nil
}

// ExplainStapel compares a Stapel image's stages at this commit (current,
// with their named inputs) with its stages at the earlier commit, addressed
// against the storage as that build addressed them: the stages that appear
// or go, and for each stage whose digest differs, which of its own inputs
// changed (a change of the stage before shows in the first stage it reaches).
func (x *Explainer) ExplainStapel(ctx context.Context, img *config.Image, platform string, current []StageDigest) Explanation {
	commit, old, oldImg, none := x.earlier(ctx, img)
	if none != nil {
		return *none
	}
	if !oldImg.IsStapel() {
		return Explanation{Against: commit, Note: fmt.Sprintf("image %q was not a Stapel image at %s", img.LogName(), shortCommit(commit))}
	}
	before, err := old.stapel.StageDigests(ctx, oldImg, platform)
	if err != nil {
		return Explanation{Against: commit, Note: fmt.Sprintf("cannot address it at %s: %v", shortCommit(commit), err)}
	}
	e := Explanation{Against: commit, Changes: stapelChanges(before, current)}
	if len(e.Changes) == 0 {
		e.Same = true
		e.Note = fmt.Sprintf("nothing its digest takes changed since %s", shortCommit(commit))
	}
	return e
}

// stapelChanges says how two addressings of one Stapel image differ, a
// sentence each, in stage order.
func stapelChanges(before, after []StageDigest) []string {
	old := map[string]StageDigest{}
	for _, s := range before {
		old[s.Name] = s
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range after {
		seen[s.Name] = true
		prev, ok := old[s.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("stage %s is new", s.Name))
		case prev.Digest != s.Digest:
			out = append(out, inputChanges(s.Name, prev.Inputs, s.Inputs)...)
		}
	}
	for _, s := range before {
		if !seen[s.Name] {
			out = append(out, fmt.Sprintf("stage %s is gone", s.Name))
		}
	}
	return out
}

// inputChanges names the inputs of one stage that changed, leaving out what
// the stage before it hands on (its digest and commits: their change is said
// where it happens).
func inputChanges(stage string, before, after []DigestInput) []string {
	old := map[string]string{}
	for _, in := range before {
		old[in.Name] = in.Value
	}
	var out []string
	seen := map[string]bool{}
	for _, in := range after {
		seen[in.Name] = true
		v, ok := old[in.Name]
		switch {
		case inherited(in.Name) || in.Name == "StageDependencies":
		case !ok:
			out = append(out, fmt.Sprintf("stage %s: %s added: %q", stage, in.Name, in.Value))
		case v != in.Value:
			out = append(out, fmt.Sprintf("stage %s: %s changed: %q → %q", stage, in.Name, v, in.Value))
		}
	}
	for _, in := range before {
		if !seen[in.Name] && !inherited(in.Name) {
			out = append(out, fmt.Sprintf("stage %s: %s removed", stage, in.Name))
		}
	}
	return out
}

// inherited reports whether a digest input is what the stage before hands on.
func inherited(name string) bool {
	return name == "PrevNonEmptyStage digest" || name == "PrevNonEmptyStage dependencies for next stage"
}

// specOf is what of an image's imageSpec its digest takes ("" for none).
func specOf(img *config.Image) string {
	if img.Staged || img.ImageSpec == nil {
		return ""
	}
	return imagespec.Dependencies(img.ImageSpec)
}

// nearestRecorded is the nearest ancestor commit whose build of img is recorded,
// or "" and why there is none.
func (x *Explainer) nearestRecorded(ctx context.Context, img *config.Image) (string, string) {
	if x.Storage == nil {
		return "", "no repository to find an earlier build in (give --against COMMIT)"
	}
	recorded, err := x.Storage.RecordedStages(ctx, img.Name)
	if err != nil {
		return "", fmt.Sprintf("cannot read the records: %v", err)
	}
	if len(recorded) == 0 {
		return "", "first build of this image: no build of it is recorded in " + x.Storage.Repo()
	}
	x.ancestorsOnce.Do(func() { x.ancestors, x.ancestorsErr = x.Snapshot.Ancestors(maxAncestors) })
	ancestors, err := x.ancestors, x.ancestorsErr
	if err != nil {
		return "", fmt.Sprintf("cannot read the git history: %v", err)
	}
	for _, c := range ancestors {
		if _, ok := recorded[c]; ok {
			return c, ""
		}
	}
	return "", fmt.Sprintf("no build of this image is recorded for any of the %d ancestor commits this clone has (fetch deeper, or give --against COMMIT)", len(ancestors))
}

// project loads the project at commit once.
func (x *Explainer) project(commit string) (*oldProject, error) {
	x.mu.Lock()
	if x.old == nil {
		x.old = map[string]*oldProject{}
	}
	p := x.old[commit]
	if p == nil {
		p = &oldProject{}
		x.old[commit] = p
	}
	x.mu.Unlock()
	p.once.Do(func() {
		snap, cfg, err := x.LoadAt(commit)
		if err != nil {
			p.err = err
			return
		}
		p.snap, p.cfg, p.calc = snap, cfg, stages.NewCalculator(cfg, snap)
		p.stapel = &Stapel{Config: cfg, Snapshot: snap, Storage: x.Storage, GitCacheDir: x.GitCacheDir, Calculator: p.calc}
		if x.Storage != nil {
			p.stapel.Imports = StorageImports{Config: cfg, Calculator: p.calc, Storage: x.Storage}
		}
	})
	return p, p.err
}
