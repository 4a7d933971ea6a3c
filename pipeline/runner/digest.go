package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Digest is one `dagwerf digest`: the stage digest of every selected image and
// platform.
type Digest struct {
	Project Project
	Plan    Plan
	Storage Storage
	Images  []string
	// Explain adds to each line what changed since Against, or since the nearest
	// ancestor commit whose build of the image is recorded.
	Explain bool
	Against string
	// Stages adds each image's stages in build order, its last stage last.
	Stages bool
	// Debug adds each stage's digest inputs by name (--log-debug).
	Debug bool

	noStorage bool // no storage to read dependencies' stages from (the module without a repo)
}

// DigestLine is one image and platform.
type DigestLine struct {
	Image    string `json:"image"`
	Platform string `json:"platform"`
	Digest   string `json:"digest,omitempty"`
	Error    string `json:"error,omitempty"`

	Stages      []pipeline.StageDigest `json:"stages,omitempty"`
	Explanation *pipeline.Explanation  `json:"explanation,omitempty"`
}

// Run computes the digests. An image whose digest needs a dependency's stage
// that is not stored yet gets a line with the error, and the run fails after all
// lines are made.
func (d Digest) Run(ctx context.Context) ([]DigestLine, error) {
	if err := d.Storage.Validate(); err != nil {
		return nil, err
	}
	snap, cfg, err := d.Project.Load()
	if err != nil {
		return nil, err
	}
	plan, err := d.Plan.Make(cfg, d.Images)
	if err != nil {
		return nil, err
	}
	selected := plan.Selected
	calc := stages.NewCalculator(cfg, snap)
	var imports stages.ImportSource
	var storage *registry.Storage
	// Only images with dependencies, staged and Stapel images read the storage,
	// so the others need neither a registry nor the local store.
	// An explanation without --against finds the earlier build in the records.
	needsStorage := d.Explain && d.Against == "" || slices.ContainsFunc(selected, func(img *config.Image) bool {
		return len(img.Dependencies) > 0 || img.Staged || img.IsStapel()
	})
	if !d.noStorage && needsStorage {
		st, err := d.Storage.Open(cfg, io.Discard)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		storage = st.Storage
		imports = pipeline.StorageImports{Config: cfg, Calculator: calc, Storage: storage}
	}
	stapel := &pipeline.Stapel{Config: cfg, Snapshot: snap, Storage: storage, GitCacheDir: d.Storage.GitCacheDir(), Calculator: calc, Imports: imports}
	var explainer *pipeline.Explainer
	if d.Explain {
		explainer = &pipeline.Explainer{Snapshot: snap, Storage: storage, LoadAt: d.Project.LoadAt, Against: d.Against, GitCacheDir: d.Storage.GitCacheDir()}
	}
	lines := []DigestLine{}
	var failed []string
	for _, t := range plan.Tasks() {
		if !slices.Contains(selected, t.Image) {
			continue
		}
		line := DigestLine{Image: t.Image.LogName(), Platform: t.Platform}
		var list []pipeline.StageDigest
		if t.Image.IsStapel() {
			list, err = stapel.StageDigests(ctx, t.Image, t.Platform)
		} else {
			list, err = pipeline.StageDigests(ctx, cfg, calc, storage, t.Image, t.Platform, imports)
		}
		if err != nil && ctx.Err() != nil {
			// Interrupted: the run stops, and no image is to blame.
			return nil, fmt.Errorf("digests: %w", ctx.Err())
		}
		if err != nil {
			line.Error = err.Error()
			failed = append(failed, err.Error())
		} else {
			line.Digest = list[len(list)-1].Digest
			withInputs := slices.Clone(list)
			if !d.Debug {
				for i := range list {
					list[i].Inputs = nil
				}
			}
			if d.Stages || d.Debug {
				line.Stages = list
			}
			switch {
			case explainer != nil && t.Image.IsStapel():
				e := explainer.ExplainStapel(ctx, t.Image, t.Platform, withInputs)
				line.Explanation = &e
			case explainer != nil:
				line.Explanation = explain(ctx, explainer, calc, imports, t)
			}
		}
		lines = append(lines, line)
	}
	if len(failed) > 0 {
		return lines, fmt.Errorf("%d of %d digests could not be computed:\n  %s", len(failed), len(lines), strings.Join(failed, "\n  "))
	}
	return lines, nil
}

// explain compares t's image with its earlier build by their whole-Dockerfile
// stages, whose inputs are named (a staged image's too).
func explain(ctx context.Context, x *pipeline.Explainer, calc *stages.Calculator, imports stages.ImportSource, t *pipeline.Task) *pipeline.Explanation {
	current, err := calc.Stage(ctx, t.Image, t.Platform, imports)
	if err != nil {
		return &pipeline.Explanation{Note: err.Error()}
	}
	e := x.Explain(ctx, t.Image, t.Platform, current)
	return &e
}

// WriteDigests prints lines as `NAME PLATFORM DIGEST`, leaving out those without
// a digest, each followed by its stages (`  IMAGE STAGE DIGEST`) and its
// explanation when asked for; or as a JSON array.
func WriteDigests(w io.Writer, lines []DigestLine, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(lines)
	}
	for _, l := range lines {
		if l.Digest == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%s %s %s\n", l.Image, l.Platform, l.Digest); err != nil {
			return err
		}
		for _, st := range l.Stages {
			if _, err := fmt.Fprintf(w, "  %s %s %s\n", config.LogName(st.Image), st.Name, st.Digest); err != nil {
				return err
			}
			for _, in := range st.Inputs {
				if _, err := fmt.Fprintf(w, "    %s = %q\n", in.Name, in.Value); err != nil {
					return err
				}
			}
		}
		if l.Explanation == nil {
			continue
		}
		if err := writeExplanation(w, *l.Explanation); err != nil {
			return err
		}
	}
	return nil
}

// writeExplanation prints what changed, a line each, under its digest line.
func writeExplanation(w io.Writer, e pipeline.Explanation) error {
	if len(e.Changes) == 0 {
		_, err := fmt.Fprintf(w, "  %s\n", e.Note)
		return err
	}
	if _, err := fmt.Fprintf(w, "  since %s:\n", e.Against); err != nil {
		return err
	}
	for _, c := range e.Changes {
		if _, err := fmt.Fprintf(w, "    %s\n", c); err != nil {
			return err
		}
	}
	return nil
}
