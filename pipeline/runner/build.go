package runner

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/engine"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Build is one `dagwerf build`: the project, the plan, the storage, and what the
// build adds to them.
type Build struct {
	Project    Project
	Plan       Plan
	Storage    Storage
	Images     []string // names or globs; none is every image
	CustomTags []string // --add-custom-tag templates
	KeepGoing  bool
	ReportPath string // where the report is written (.json or .env); "" writes none
	Version    string // dagwerf's, for labels and the user agent

	Out       io.Writer // the plan, one line per image and platform, the summary
	Err       io.Writer // warnings
	EngineLog io.Writer // the engine's own output; nil discards it
	Pretty    bool      // decorate image names (--log-pretty)
}

// ErrCustomTagsNeedRepo is --add-custom-tag without --repo.
var ErrCustomTagsNeedRepo = errors.New("--add-custom-tag needs --repo")

// Run builds what the storage lacks on the Dagger engine and publishes it, then
// writes the report if asked.
func (b Build) Run(ctx context.Context) (*pipeline.Report, error) {
	out, errOut := orDiscard(b.Out), orDiscard(b.Err)
	if b.ReportPath != "" {
		if _, _, err := pipeline.ReportFormat(b.ReportPath); err != nil {
			return nil, err
		}
	}
	if err := b.Storage.Validate(); err != nil {
		return nil, err
	}
	if len(b.CustomTags) > 0 && b.Storage.Repo == "" {
		return nil, ErrCustomTagsNeedRepo
	}
	snap, cfg, err := b.Project.Load()
	if err != nil {
		return nil, err
	}
	plan, err := b.Plan.Make(cfg, b.Images)
	if err != nil {
		return nil, err
	}
	st, err := b.Storage.Open(cfg, errOut,
		registry.WithUserAgent("dagwerf/"+b.Version),
		registry.WithWarnings(func(w string) { fmt.Fprintln(errOut, "Warning:", w) }))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	engineOpts := []engine.Option{engine.WithCredentials(st.Credentials)}
	if b.EngineLog != nil {
		engineOpts = append(engineOpts, engine.WithLog(b.EngineLog))
	}
	eng := engine.New(engineOpts...)
	defer eng.Close()

	report, err := (&pipeline.Build{
		Config: cfg, Snapshot: snap, Plan: plan, Storage: st.Storage, Builder: eng,
		CustomTags: b.CustomTags, Version: "dagwerf-" + b.Version, Loose: b.Project.Loose,
		Log: out, LogPretty: b.Pretty, LookupEnv: b.Project.LookupEnv, KeepGoing: b.KeepGoing,
		Records: b.Storage.Repo != "", GitCacheDir: b.Storage.GitCacheDir(),
		Explainer: &pipeline.Explainer{Snapshot: snap, Storage: st.Storage, LoadAt: b.Project.LoadAt},
	}).Run(ctx)
	if err != nil {
		return nil, err
	}
	for _, img := range cfg.Images {
		if rec, ok := report.Images[img.Name]; ok {
			state := "up to date"
			switch {
			case rec.Rebuilt:
				state = "built"
			case rec.ManifestListWritten:
				state = "manifest list published"
			}
			fmt.Fprintf(out, "image %s: %s (%s)\n", img.LogName(), rec.DockerImageName, state)
		}
	}
	if b.ReportPath != "" {
		if err := report.Write(b.ReportPath); err != nil {
			return nil, err
		}
	}
	return report, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
