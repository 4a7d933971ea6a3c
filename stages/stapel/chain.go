package stapel

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// Chain walks a Stapel image's stages for one platform in werf's order, one
// non-empty stage at a time. It is not safe for concurrent use.
type Chain struct {
	img  *config.Image
	opts Options
	git  []mapping

	steps []step
	next  int // index in steps of the stage Next looks at

	prev *resolved // the previous non-empty stage, nil before from
	// cur is the stage Next returned last; before is prev when it was made.
	cur         *Stage
	before      *resolved
	curResolved bool
	done        []*Stage // resolved stages, in order

	latest []*gitmap.CommitInfo // per mapping, read once
	base   *baseImage           // the from stage's base, read once
}

// resolved is a stage as the next stage sees it: as found, or as built now.
type resolved struct {
	digest string
	next   string            // what it hands on: PrevNonEmptyStage dependencies for next stage
	labels map[string]string // the stage image's labels
	millis int64             // its creation time; math.MaxInt64 until a built stage is stored
}

// NewChain prepares the walk of a Stapel image. It refuses what dagwerf does
// not build (ansible) and options the image needs but lacks.
func NewChain(img *config.Image, opts Options) (*Chain, error) {
	if img == nil || img.Stapel == nil {
		return nil, errors.New("stapel chain: not a Stapel image")
	}
	s := img.Stapel
	fail := func(format string, a ...any) (*Chain, error) {
		return nil, fmt.Errorf("image %q: %s", img.LogName(), fmt.Sprintf(format, a...))
	}
	switch {
	case s.Ansible != nil:
		return fail("the ansible builder is not supported by dagwerf; write the stages as shell commands (shell: beforeInstall, install, beforeSetup, setup)")
	case opts.Platform == "":
		return fail("no target platform")
	case len(opts.Git) != len(s.Git):
		return fail("%d git mappings in werf.yaml, %d opened", len(s.Git), len(opts.Git))
	case s.From == "" && s.FromImage == "":
		return fail("neither from nor fromImage is set")
	case s.From != "" && s.FromImage != "":
		return fail("both from (%s) and fromImage (%s) are set", s.From, s.FromImage)
	case s.FromLatest && s.From == "scratch":
		return fail("fromLatest needs a base image from a registry, not scratch")
	case s.FromLatest && s.From != "" && opts.BaseImageID == nil:
		return fail("fromLatest: no way to read the base image's ID (Options.BaseImageID)")
	case (s.FromImage != "" || len(img.Dependencies) > 0 || hasInternalImport(s.Imports)) && opts.Images == nil:
		return fail("it takes from other images of the config, but Options.Images is nil")
	case len(s.Imports) > 0 && opts.ImportChecksums == nil:
		return fail("it has imports, but Options.ImportChecksums is nil")
	}
	ms := make([]mapping, len(opts.Git))
	for i, m := range opts.Git {
		if m == nil {
			return fail("git mapping %d is not opened", i)
		}
		ms[i] = mapping{cfg: m.Config, git: m}
	}
	return newChain(img, opts, ms), nil
}

// newChain is NewChain past its checks, with the mappings' git behind any gitOps.
func newChain(img *config.Image, opts Options, ms []mapping) *Chain {
	c := &Chain{img: img, opts: opts, git: orderMappings(ms)}
	c.steps = planSteps(img, len(c.git) > 0, opts.SkipImageSpec)
	c.latest = make([]*gitmap.CommitInfo, len(c.git))
	return c
}

func hasInternalImport(imps []config.FileImport) bool {
	for _, imp := range imps {
		if !imp.External {
			return true
		}
	}
	return false
}

// Next returns the image's next non-empty stage with its digest, or nil after
// the last one. The stage Next returned before must have been resolved with
// Found or Building: what it hands on and its labels go into this one.
func (c *Chain) Next(ctx context.Context) (*Stage, error) {
	if c.cur != nil && !c.curResolved {
		return nil, fmt.Errorf("%s: stage %s is neither found nor building: call Found or Building first", c.where(), c.cur.LogName())
	}
	for c.next < len(c.steps) {
		st := c.steps[c.next]
		c.next++
		empty, err := st.empty(ctx, c, c.prev)
		if err != nil {
			return nil, fmt.Errorf("%s: stage %s: %w", c.where(), st.name(), err)
		}
		if empty {
			continue
		}
		s := &Stage{Image: c.img.Name, Platform: c.opts.Platform, Name: st.name(), chain: c, step: st}
		deps, parts, err := st.dependencies(ctx, c, c.prev, s)
		if err != nil {
			return nil, fmt.Errorf("%s: stage %s: %w", c.where(), st.name(), err)
		}
		s.Dependencies = parts
		s.Args = digestArgs(c.opts.Platform, st.name().DigestName(), deps, c.prev)
		s.Digest = hashArgs(s.Args)
		c.cur, c.before, c.curResolved = s, c.prev, false
		return s, nil
	}
	c.cur, c.before = nil, nil
	return nil, nil
}

// Found resolves the stage Next returned with a stored stage (one Select
// chose): its labels say what the next stage takes. Call it also after
// publishing a stage built with Building's labels, with the stage as stored
// (yours, or the one another builder stored first), so that the chain knows
// its creation time.
func (c *Chain) Found(s *Stage, found Candidate) error {
	if err := c.current(s); err != nil {
		return err
	}
	content, ok := found.Labels[labelContentDigest]
	if !ok || content == "" {
		return fmt.Errorf("%s: stage %s: stored stage %s has no %s label: werf refuses such a stage", c.where(), s.LogName(), found.StageID, labelContentDigest)
	}
	next := ""
	if s.step.handsOnCommits() {
		commits := make([]string, len(c.git))
		for i, m := range c.git {
			info, err := m.git.Recorded(found.Labels)
			if err != nil {
				return fmt.Errorf("%s: stage %s: stored stage %s: %s: %w", c.where(), s.LogName(), found.StageID, m.name(), err)
			}
			commits[i] = info.Commit
		}
		next = commitsDependency(commits)
	}
	s.ContentDigest, s.StageID = content, found.StageID
	c.resolve(s, &resolved{digest: s.Digest, next: next, labels: found.Labels, millis: found.Millis})
	return nil
}

// Building resolves the stage Next returned as built now, from the current
// commits, and returns the labels the built stage must carry besides those it
// inherits from the previous stage's image: werf-stage-content-digest, and
// what werf's PrepareImage adds for the stage (git commits, imports,
// dependencies, mounts). The caller adds werf, werf-version,
// werf-project-repo-commit, werf.io/parent-stage-id and werf.io/base-image-id,
// and applies the docker section's own labels with the rest of its config.
func (c *Chain) Building(ctx context.Context, s *Stage) (map[string]string, error) {
	if err := c.current(s); err != nil {
		return nil, err
	}
	next := ""
	if s.step.handsOnCommits() {
		commits, err := c.latestCommits(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: stage %s: %w", c.where(), s.LogName(), err)
		}
		next = commitsDependency(commits)
	}
	labels, err := s.step.labels(ctx, c, c.before, s)
	if err != nil {
		return nil, fmt.Errorf("%s: stage %s: %w", c.where(), s.LogName(), err)
	}
	s.ContentDigest = contentDigest(c.opts.Platform, s.Name, s.Digest, next)
	labels[labelContentDigest] = s.ContentDigest
	s.StageID, s.Built = "", true

	inherited, err := c.labelsOf(ctx, c.before)
	if err != nil {
		return nil, fmt.Errorf("%s: stage %s: %w", c.where(), s.LogName(), err)
	}
	own := maps.Clone(inherited)
	if own == nil {
		own = map[string]string{}
	}
	maps.Copy(own, labels)
	c.resolve(s, &resolved{digest: s.Digest, next: next, labels: own, millis: math.MaxInt64})
	return labels, nil
}

// Last is the image's last non-empty stage once the walk is over: the stage
// dependents take (its content digest, its name), or nil before.
func (c *Chain) Last() *Stage {
	if c.next < len(c.steps) || c.cur != nil || len(c.done) == 0 {
		return nil
	}
	return c.done[len(c.done)-1]
}

// current checks that s is the stage Next returned last.
func (c *Chain) current(s *Stage) error {
	if s == nil || s.chain != c || s != c.cur {
		return fmt.Errorf("%s: not the stage Next returned last", c.where())
	}
	return nil
}

// resolve makes r what the next stage sees. Resolving the current stage again
// (Found after Building, once the stage is stored) replaces the first answer.
func (c *Chain) resolve(s *Stage, r *resolved) {
	if c.curResolved {
		c.done = c.done[:len(c.done)-1]
	}
	c.prev, c.curResolved = r, true
	c.done = append(c.done, s)
}

// latestCommits are the commits the mappings build from now, in mapping order.
func (c *Chain) latestCommits(ctx context.Context) ([]string, error) {
	commits := make([]string, len(c.git))
	for i := range c.git {
		info, err := c.latestInfo(ctx, i)
		if err != nil {
			return nil, err
		}
		commits[i] = info.Commit
	}
	return commits, nil
}

func (c *Chain) latestInfo(ctx context.Context, i int) (gitmap.CommitInfo, error) {
	if c.latest[i] == nil {
		info, err := c.git[i].git.Latest(ctx)
		if err != nil {
			return gitmap.CommitInfo{}, fmt.Errorf("%s: current commit: %w", c.git[i].name(), err)
		}
		c.latest[i] = &info
	}
	return *c.latest[i], nil
}

// labelsOf are the labels of a previous stage's image; before the first stage,
// those of the base image.
func (c *Chain) labelsOf(ctx context.Context, prev *resolved) (map[string]string, error) {
	if prev != nil {
		return prev.labels, nil
	}
	b, err := c.baseImage(ctx)
	if err != nil {
		return nil, err
	}
	return b.labels, nil
}

func (c *Chain) where() string {
	return fmt.Sprintf("image %q (%s)", c.img.LogName(), c.opts.Platform)
}
