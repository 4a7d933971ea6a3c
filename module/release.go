package module

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Release is the module actions' publishing steps after the build: the
// bundle copied to <repo>:<tag>, the release image to <repo>/release:<tag>,
// and the registration tag <modules-source>:<module-name> — once the build's
// images pass the checks of what Deckhouse reads from them.
type Release struct {
	Target  Target
	Project runner.Project   // where module.yaml is, when Target.Name is ""
	Access  runner.Storage   // registry access: credentials, Docker config, plain HTTP, TLS (its repositories are not used)
	Tag     string           // the module's version, e.g. v1.2.3
	Report  *pipeline.Report // the build's report (werf's or dagwerf's)
	Version string           // dagwerf's, for the user agent
	Out     io.Writer        // a line per tag
}

// ReleaseResult is what a release published.
type ReleaseResult struct {
	Bundle, Release, Registration Published
}

// Run checks the build and publishes it, registry to registry; tags that name
// the right manifest already are not written again.
func (r Release) Run(ctx context.Context) (*ReleaseResult, error) {
	out := r.Out
	if out == nil {
		out = io.Discard
	}
	t, err := r.Target.Resolve(r.Project, true)
	if err != nil {
		return nil, err
	}
	if err := checkTag(r.Tag); err != nil {
		return nil, err
	}
	if r.Report == nil {
		return nil, errors.New("no build report: release takes the report of the module's build (--build-report-path)")
	}
	repo, err := openRepository(r.Access, r.Version, "--repo", t.Repo)
	if err != nil {
		return nil, err
	}
	releaseRepo, err := openRepository(r.Access, r.Version, "release repository", t.ReleaseRepo())
	if err != nil {
		return nil, err
	}
	sourceRepo, err := openRepository(r.Access, r.Version, "--modules-source", t.Source)
	if err != nil {
		return nil, err
	}
	bundle, err := builtImage(ctx, r.Report, BundleImage, repo)
	if err != nil {
		return nil, err
	}
	release, err := builtImage(ctx, r.Report, ReleaseImage, repo)
	if err != nil {
		return nil, err
	}

	var p problems
	bf, err := readImageFiles("bundle image "+bundle.Ref.String(), bundle, imagesDigestsFile)
	if err != nil {
		return nil, err
	}
	rf, err := readImageFiles("release image "+release.Ref.String(), release)
	if err != nil {
		return nil, err
	}
	for _, f := range []imageFiles{bf, rf} {
		f.checkEntries(&p)
		f.checkVersion(&p, r.Tag)
	}
	if err := bf.checkImagesDigests(ctx, &p, r.Report, repo); err != nil {
		return nil, err
	}
	if len(p) > 0 {
		return nil, &CheckError{What: fmt.Sprintf("module %s %s is not released", t.Name, r.Tag), Problems: p}
	}

	res := &ReleaseResult{}
	if res.Bundle, err = put(ctx, repo, r.Tag, bundle); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "bundle: %s -> %s (%s)\n", bundle.Ref, res.Bundle.Ref, res.Bundle.state())
	if res.Release, err = put(ctx, releaseRepo, r.Tag, release); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "release: %s -> %s (%s)\n", release.Ref, res.Release.Ref, res.Release.state())
	reg := RegistrationImage()
	written, err := sourceRepo.Write(ctx, t.Name, reg)
	if err != nil {
		return nil, err
	}
	h, err := reg.Digest()
	if err != nil {
		return nil, err
	}
	res.Registration = Published{Ref: t.Registration(), Digest: h.String(), Written: written}
	fmt.Fprintf(out, "registration: %s (%s)\n", res.Registration.Ref, res.Registration.state())
	return res, nil
}

// put copies a manifest under a tag.
func put(ctx context.Context, to *registry.Repository, tag string, src *registry.Tagged) (Published, error) {
	written, err := to.Put(ctx, tag, src)
	if err != nil {
		return Published{}, err
	}
	return Published{Ref: to.Tag(tag).String(), Digest: src.Desc.Digest.String(), Written: written}, nil
}

// builtImage reads an image of the build as the report names it, in repo.
func builtImage(ctx context.Context, report *pipeline.Report, img string, repo *registry.Repository) (*registry.Tagged, error) {
	rec, ok := report.Images[img]
	if !ok {
		return nil, fmt.Errorf("the build report has no image %q: a Deckhouse module's build makes %q and %q (deckhouse/modules-template's .werf/stages/bundle.yaml and release.yaml)", img, BundleImage, ReleaseImage)
	}
	if !sameRepo(rec.DockerRepo, repo.Address()) {
		return nil, fmt.Errorf("the build report's image %q is in %q, not in %s: release the report of a build into %s (the same --modules-source, --module-name and --repo)", img, rec.DockerRepo, repo.Address(), repo.Address())
	}
	got, err := repo.Get(ctx, rec.DockerTag)
	if registry.IsNotFound(err) {
		return nil, fmt.Errorf("the build report's image %q, %s, is not in the registry: build again", img, rec.DockerImageName)
	}
	if err != nil {
		return nil, err
	}
	if rec.DockerImageDigest != "" && got.Desc.Digest.String() != rec.DockerImageDigest {
		return nil, fmt.Errorf("the build report's image %q is %s, but %s is %s now: the report is not of this build; build again", img, rec.DockerImageDigest, got.Ref, got.Desc.Digest)
	}
	return got, nil
}

// sameRepo compares repository names as a registry does (index.docker.io,
// library/ and all).
func sameRepo(a, b string) bool {
	ra, err := name.NewRepository(a)
	if err != nil {
		return false
	}
	rb, err := name.NewRepository(b)
	return err == nil && ra.Name() == rb.Name()
}

// tagPattern is an image tag, as the distribution spec has it.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// checkTag: a tag is required and must be an image tag.
func checkTag(tag string) error {
	if tag == "" {
		return errors.New("--tag is required: the module's version, e.g. v1.2.3")
	}
	if !tagPattern.MatchString(tag) {
		return fmt.Errorf("--tag %q: not an image tag (letters, digits, \"_\", \".\" and \"-\", at most 128, not starting with \".\" or \"-\")", tag)
	}
	return nil
}
