package cleanup_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

const projectName = "shop"

// shop is a project of three images: base on two platforms (a manifest
// list), app on two platforms importing base's name, worker on one.
var shop = map[string]string{
	"werf.yaml": `configVersion: 1
project: shop
---
image: base
dockerfile: Dockerfile
context: base
platform: [linux/amd64, linux/arm64]
---
image: app
dockerfile: Dockerfile
context: app
platform: [linux/amd64, linux/arm64]
dependencies:
- image: base
  imports:
  - {type: ImageName, targetBuildArg: BASE_IMAGE}
---
image: worker
dockerfile: Dockerfile
context: worker
`,
	"base/Dockerfile":       "FROM busybox\nRUN mkdir /srv\n",
	"app/Dockerfile":        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY src/ /srv/app/\n",
	"app/src/main.sh":       "echo app v1\n",
	"worker/Dockerfile":     "FROM busybox\nCOPY . /srv/worker\n",
	"worker/run.sh":         "echo worker v1\n",
	"README.md":             "shop\n",
	"werf-giterminism.yaml": "giterminismConfigVersion: 1\ncli: {allowCustomTags: true}\n",
}

// project is a git repository with an origin, and a registry its builds went
// to, at several commits.
type project struct {
	t       *testing.T
	git     *gittest.Repo
	reg     *registrytest.Registry
	repo    string
	now     time.Time
	commits map[string]string           // label → hash
	reports map[string]*pipeline.Report // label → the report of the build at it
	builds  map[string]int              // label → engine builds
}

func newProject(t *testing.T, files map[string]string) *project {
	t.Helper()
	g := gittest.New(t)
	g.WithOrigin()
	g.WriteFiles(files)
	reg := registrytest.New(t)
	return &project{
		t: t, git: g, reg: reg, repo: reg.Host + "/" + projectName,
		now:     time.Now().UTC().Truncate(time.Second),
		commits: map[string]string{}, reports: map[string]*pipeline.Report{}, builds: map[string]int{},
	}
}

// at is the time ago before now.
func (p *project) at(ago time.Duration) time.Time { return p.now.Add(-ago) }

// commit writes changes and commits them at now-ago under label.
func (p *project) commit(label string, ago time.Duration, changes map[string]string) string {
	p.t.Helper()
	p.git.WriteFiles(changes)
	h := p.git.CommitAt(label, p.at(ago))
	p.commits[label] = h
	return h
}

// buildOptions say when a build ran: its stages are published (their tags'
// times) at Published and their images claim to be created at Created.
type buildOptions struct {
	Published, Created time.Time
	CustomTags         []string
	Storage            []registry.Option
	Hold               func(ctx context.Context) // the builder waits on it before each build
}

// build builds HEAD, as CI would have at that commit, with werf's records.
func (p *project) build(label string, o buildOptions) *pipeline.Report {
	p.t.Helper()
	rep, n, err := p.tryBuild(context.Background(), o)
	require.NoError(p.t, err)
	p.reports[label], p.builds[label] = rep, n
	return rep
}

func (p *project) tryBuild(ctx context.Context, o buildOptions) (*pipeline.Report, int, error) {
	snap, err := source.Open(p.git.Dir)
	if err != nil {
		return nil, 0, err
	}
	cfg, err := config.Load(snap, config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		return nil, 0, err
	}
	plan, err := pipeline.NewPlan(cfg)
	if err != nil {
		return nil, 0, err
	}
	opts := o.Storage
	if !o.Published.IsZero() {
		opts = append(opts, registry.WithClock(func() time.Time { return o.Published }))
	}
	storage, err := registry.New(projectName, p.repo, opts...)
	if err != nil {
		return nil, 0, err
	}
	created := o.Created
	eng := &enginetest.Fake{Created: func() time.Time { return created }}
	if created.IsZero() {
		eng.Created = nil
	}
	var builder pipeline.Builder = eng
	if o.Hold != nil {
		builder = holdingBuilder{eng, o.Hold}
	}
	rep, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: builder, Records: true, Version: "test", CustomTags: o.CustomTags}).Run(ctx)
	return rep, eng.Builds(), err
}

type holdingBuilder struct {
	*enginetest.Fake
	hold func(ctx context.Context)
}

func (h holdingBuilder) Build(ctx context.Context, req pipeline.BuildRequest) (pipeline.Built, error) {
	h.hold(ctx)
	return h.Fake.Build(ctx, req)
}

// commitAndBuild commits and builds at the commit's time, the stages' images
// created then too, with the custom tag %image%-<label>.
func (p *project) commitAndBuild(label string, ago time.Duration, changes map[string]string) {
	p.t.Helper()
	p.commit(label, ago, changes)
	p.build(label, buildOptions{Published: p.at(ago), Created: p.at(ago), CustomTags: []string{"%image%-" + strings.ToLower(label)}})
}

// stageTags are the stage tags image came to at label: its manifest list and
// each platform's stage, or its one stage.
func (p *project) stageTags(label, image string) []string {
	p.t.Helper()
	rep := p.reports[label]
	require.NotNil(p.t, rep, label)
	ri, ok := rep.Images[image]
	require.True(p.t, ok, "%s has no %s", label, image)
	out := []string{ri.DockerTag}
	for _, pi := range rep.ImagesByPlatform[image] {
		if pi.DockerTag != ri.DockerTag {
			out = append(out, pi.DockerTag)
		}
	}
	slices.Sort(out)
	return out
}

// metaTag is the meta record of image at label.
func (p *project) metaTag(label, image string) string {
	return registry.MetaTag(image, p.commits[label], p.reports[label].Images[image].DockerTag)
}

// tags lists the registry.
func (p *project) tags() []string {
	p.t.Helper()
	r, err := name.NewRepository(p.repo)
	require.NoError(p.t, err)
	tags, err := remote.List(r)
	require.NoError(p.t, err)
	slices.Sort(tags)
	return tags
}

// cleanupWith runs the cleanup with werf.yaml's settings changed by edit.
func (p *project) cleanupWith(edit func(*cleanup.Options)) (*cleanup.Report, string, error) {
	p.t.Helper()
	return p.run(cleanup.Options{}, edit)
}

// cleanup runs the cleanup of the project's repository.
func (p *project) cleanup(o cleanup.Options, storage ...registry.Option) (*cleanup.Report, string, error) {
	p.t.Helper()
	return p.run(o, nil, storage...)
}

func (p *project) run(o cleanup.Options, edit func(*cleanup.Options), storage ...registry.Option) (*cleanup.Report, string, error) {
	p.t.Helper()
	snap, err := source.Open(p.git.Dir)
	require.NoError(p.t, err)
	cfg, err := config.Load(snap, config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	require.NoError(p.t, err)
	s, err := registry.New(projectName, p.repo, append([]registry.Option{registry.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 2})}, storage...)...)
	require.NoError(p.t, err)
	h, err := source.OpenHistory(p.git.Dir)
	require.NoError(p.t, err)
	for _, img := range cfg.Images {
		o.Images = append(o.Images, img.Name)
	}
	o.Cleanup, o.GitWorktree = cfg.Meta.Cleanup, cfg.Meta.GitWorktree
	if edit != nil {
		edit(&o)
	}
	if o.Now == nil {
		o.Now = func() time.Time { return p.now }
	}
	var out strings.Builder
	o.Out = &out
	rep, err := cleanup.Run(context.Background(), s, h, o)
	return rep, out.String(), err
}

func sortedSet(lists ...[]string) []string {
	set := map[string]bool{}
	for _, l := range lists {
		for _, v := range l {
			set[v] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func withoutAll(all []string, drop ...[]string) []string {
	gone := map[string]bool{}
	for _, l := range drop {
		for _, v := range l {
			gone[v] = true
		}
	}
	var out []string
	for _, v := range all {
		if !gone[v] {
			out = append(out, v)
		}
	}
	return out
}

// retag gives the manifest under tag another tag.
func (p *project) retag(tag, another string) {
	p.t.Helper()
	src, err := name.NewTag(p.repo + ":" + tag)
	require.NoError(p.t, err)
	desc, err := remote.Get(src)
	require.NoError(p.t, err)
	dst, err := name.NewTag(p.repo + ":" + another)
	require.NoError(p.t, err)
	require.NoError(p.t, remote.Put(dst, desc))
}

// digest is the manifest digest under tag.
func (p *project) digest(tag string) string {
	p.t.Helper()
	ref, err := name.NewTag(p.repo + ":" + tag)
	require.NoError(p.t, err)
	desc, err := remote.Head(ref)
	require.NoError(p.t, err)
	return desc.Digest.String()
}

// copyTo copies the image under tag into another repository.
func (p *project) copyTo(tag, repo string) {
	p.t.Helper()
	src, err := name.NewTag(p.repo + ":" + tag)
	require.NoError(p.t, err)
	img, err := remote.Image(src)
	require.NoError(p.t, err)
	dst, err := name.NewTag(repo + ":" + tag)
	require.NoError(p.t, err)
	require.NoError(p.t, remote.Write(dst, img))
}

// listOf lists another repository.
func (p *project) listOf(repo string) []string {
	p.t.Helper()
	r, err := name.NewRepository(repo)
	require.NoError(p.t, err)
	tags, err := remote.List(r)
	require.NoError(p.t, err)
	slices.Sort(tags)
	return tags
}
