package module

import (
	"context"
	"fmt"
	"os"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// Build is the module actions' build step: `werf build --repo=<source>/<name>
// --save-build-report` with MODULES_MODULE_TAG set, run as `dagwerf build`.
type Build struct {
	runner.Build        // its Storage.Repo is the target's repository
	Target       Target // Target.Repo, when set, is --repo
	// Tag is MODULES_MODULE_TAG for werf.yaml's templates, which read it as werf
	// would: through env, as werf-giterminism.yaml allows it. "" leaves the
	// environment's.
	Tag string
}

// Run builds the module's images and checks that they include the bundle and
// the release image.
func (b Build) Run(ctx context.Context) (*pipeline.Report, error) {
	if b.ReportPath != "" {
		if _, format, err := pipeline.ReportFormat(b.ReportPath); err == nil && format == ".env" {
			return nil, fmt.Errorf("--build-report-path %q: a module's release reads a JSON report; give a .json path", b.ReportPath)
		}
	}
	t, err := b.Target.Resolve(b.Project, false)
	if err != nil {
		return nil, err
	}
	b.Storage.Repo = t.Repo
	if b.Tag != "" {
		lookup := b.Project.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		tag := b.Tag
		b.Project.LookupEnv = func(k string) (string, bool) {
			if k == TagVariable {
				return tag, true
			}
			return lookup(k)
		}
	}
	report, err := b.Build.Run(ctx)
	if err != nil {
		return nil, err
	}
	for _, img := range []string{BundleImage, ReleaseImage} {
		if _, ok := report.Images[img]; !ok {
			return report, fmt.Errorf("werf.yaml has no image %q: a Deckhouse module's build makes %q (the module) and %q (its version), as deckhouse/modules-template's .werf/stages/bundle.yaml and release.yaml do", img, BundleImage, ReleaseImage)
		}
	}
	return report, nil
}
