package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/stages/stapel"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Stapel addresses the Stapel images of one run against the stages storage,
// each image and platform once, as the images that take from them (fromImage,
// import, dependencies) ask for them. A Stapel digest depends on the registry:
// the commits a found git stage recorded, the import checksums werf recorded,
// the names of dependencies' stages. Without storage (Storage nil) every stage
// is addressed as a first build makes it.
type Stapel struct {
	Config   *config.Config
	Snapshot *source.Snapshot
	Storage  *registry.Storage // nil: nothing is stored yet
	// GitCacheDir holds fetched remote git repositories ($DAGWERF_HOME/git).
	GitCacheDir string
	// WriteRecords writes werf's import-metadata records of import checksums
	// computed now (a build does; addressing alone only reads them).
	WriteRecords bool
	// Calculator and Imports address the Dockerfile images Stapel images
	// take from.
	Calculator *stages.Calculator
	Imports    stages.ImportSource
	// Make, in a build, finds or makes and publishes each stage; without it
	// stages are only looked up.
	Make func(ctx context.Context, w *stapelWalk, st *stapel.Stage) (*registry.StageDesc, error)
	// Finished, in a build, is the last stage of an image already built in
	// this run (a Dockerfile image a Stapel image takes from), or nil.
	Finished func(img *config.Image, platform string) *registry.StageDesc

	once  sync.Once
	repos *gitmap.Repos

	mu     sync.Mutex
	images map[stapelKey]*stapelEntry
	descs  map[string]*registry.StageDesc // stored stages this run found, by stage ID
	// checksums are the import checksums of the run, by import source ID.
	checksums map[string]*importChecksum
}

type stapelKey struct{ image, platform string }

// stapelEntry is one image and platform, addressed once however many ask.
type stapelEntry struct {
	once sync.Once
	img  *AddressedStapel
	err  error
}

// AddressedStapel is a Stapel image's chain of stages for one platform as the
// storage has it: each stage found, or to be built.
type AddressedStapel struct {
	Stages []*stapel.Stage
	// Stored are the stages found in the storage, by stage name.
	Stored map[stapel.StageName]*registry.StageDesc
}

// Last is the image's last stage: the image.
func (a *AddressedStapel) Last() *stapel.Stage { return a.Stages[len(a.Stages)-1] }

func (s *Stapel) init() {
	s.once.Do(func() {
		s.repos = gitmap.NewRepos()
		s.images = map[stapelKey]*stapelEntry{}
		s.descs = map[string]*registry.StageDesc{}
		s.checksums = map[string]*importChecksum{}
	})
}

// Address addresses a Stapel image for a platform (once per run).
func (s *Stapel) Address(ctx context.Context, img *config.Image, platform string) (*AddressedStapel, error) {
	s.init()
	s.mu.Lock()
	e := s.images[stapelKey{img.Name, platform}]
	if e == nil {
		e = &stapelEntry{}
		s.images[stapelKey{img.Name, platform}] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.img, e.err = s.address(ctx, img, platform) })
	return e.img, e.err
}

func (s *Stapel) address(ctx context.Context, img *config.Image, platform string) (*AddressedStapel, error) {
	errorf := func(err error) error { return fmt.Errorf("image %q (%s): %w", img.LogName(), platform, err) }
	mappings, err := gitmap.Open(ctx, img.Stapel.Git, gitmap.Options{Project: s.Snapshot, CacheDir: s.GitCacheDir, Repos: s.repos})
	if err != nil {
		return nil, errorf(err)
	}
	opts := stapel.Options{
		Platform:        platform,
		Git:             mappings,
		Images:          stapelImages{s},
		ImportChecksums: stapelImportChecksums{s},
		BaseImageID:     s.baseImageID,
	}
	chain, err := stapel.NewChain(img, opts)
	if err != nil {
		return nil, err // it names the image
	}
	w := &stapelWalk{img: img, platform: platform, chain: chain, git: mappings, out: &AddressedStapel{Stored: map[stapel.StageName]*registry.StageDesc{}}}
	for {
		st, err := chain.Next(ctx) // the chain's errors name the image
		if err != nil {
			return nil, err
		}
		if st == nil {
			return w.out, nil
		}
		w.out.Stages = append(w.out.Stages, st)
		desc, err := s.step(ctx, w, st)
		if err != nil {
			if named := StageNamer(nil); errors.As(err, &named) && named.NamesStage() {
				return nil, err
			}
			return nil, errorf(fmt.Errorf("stage %s: %w", st.Name, err))
		}
		if desc == nil { // addressing alone: the stage is to be built
			if _, err := chain.Building(ctx, st); err != nil {
				return nil, err
			}
			continue
		}
		s.remember(desc)
		cand, err := stapelCandidate(ctx, desc)
		if err != nil {
			return nil, errorf(err)
		}
		if err := chain.Found(st, cand); err != nil {
			return nil, err
		}
		w.out.Stored[st.Name] = desc
		w.prev = desc
	}
}

// stapelWalk is one image and platform being walked stage by stage.
type stapelWalk struct {
	img      *config.Image
	platform string
	chain    *stapel.Chain
	git      []*gitmap.Mapping   // the image's git mappings, in werf.yaml order
	prev     *registry.StageDesc // the previous stage as stored; nil before from
	out      *AddressedStapel
}

// step finds the stage: the stored one werf would take, else, in a build,
// the one made and published now; addressing alone returns nil for a missing
// stage.
func (s *Stapel) step(ctx context.Context, w *stapelWalk, st *stapel.Stage) (*registry.StageDesc, error) {
	if s.Make != nil {
		return s.Make(ctx, w, st)
	}
	if s.Storage == nil {
		return nil, nil
	}
	return s.Storage.Lookup(ctx, st.Digest, registry.Suitable(suitable(st)))
}

// suitable is werf's choice of a stored stage for st (Stage.Select): the
// lookup and the publish's re-check take the oldest it accepts.
func suitable(st *stapel.Stage) func(ctx context.Context, d *registry.StageDesc) (bool, error) {
	return func(ctx context.Context, d *registry.StageDesc) (bool, error) {
		cand, err := stapelCandidate(ctx, d)
		if err != nil {
			return false, err
		}
		got, err := st.Select(ctx, []stapel.Candidate{cand})
		return got != nil, err
	}
}

// remember keeps a stored stage this run found, for imports that read it.
func (s *Stapel) remember(desc *registry.StageDesc) {
	s.mu.Lock()
	s.descs[desc.ID.String()] = desc
	s.mu.Unlock()
}

// StageDigests are a Stapel image's stages for a platform in build order, as
// `dagwerf digest --stages` lists them.
func (s *Stapel) StageDigests(ctx context.Context, img *config.Image, platform string) ([]StageDigest, error) {
	a, err := s.Address(ctx, img, platform)
	if err != nil {
		return nil, err
	}
	return s.stageDigests(img, a), nil
}

func (s *Stapel) stageDigests(img *config.Image, a *AddressedStapel) []StageDigest {
	out := make([]StageDigest, len(a.Stages))
	for i, st := range a.Stages {
		out[i] = StageDigest{Image: img.Name, Name: string(st.Name), Digest: st.Digest, Inputs: stapelInputs(st)}
	}
	return out
}

// stapelCandidate is a stored stage as the Stapel chain weighs it.
func stapelCandidate(ctx context.Context, d *registry.StageDesc) (stapel.Candidate, error) {
	cfg, err := d.Config(ctx)
	if err != nil {
		return stapel.Candidate{}, err
	}
	return stapel.Candidate{StageID: d.ID.String(), Millis: d.ID.CreatedAt, Labels: cfg.Config.Labels}, nil
}

// baseImageID is werf's ID of a registry base image, for fromLatest.
func (s *Stapel) baseImageID(ctx context.Context, ref string) (string, error) {
	if s.Storage == nil {
		return "", fmt.Errorf("fromLatest takes the ID of %s as the registry has it: give the repository the image is built into", ref)
	}
	e, err := s.Storage.External(ctx, ref)
	if err != nil {
		return "", err
	}
	return e.ID()
}

// stapelImages answers a Stapel chain for the other images of the config.
type stapelImages struct{ s *Stapel }

// errNotStored is what addressing says of a stage it needs from the storage
// that the storage does not have yet.
var errNotStored = errors.New("not stored yet")

func (i stapelImages) LastStage(ctx context.Context, name, platform string) (stapel.StageRef, error) {
	img := i.s.Config.Image(name)
	if img == nil {
		return stapel.StageRef{}, fmt.Errorf("image %q is not declared", config.LogName(name))
	}
	if !img.IsStapel() {
		return i.s.dockerfileStage(ctx, img, platform)
	}
	a, err := i.s.Address(ctx, img, platform)
	if err != nil {
		return stapel.StageRef{}, err
	}
	last := a.Last()
	return i.s.stageRef(ctx, last, a.Stored[last.Name])
}

func (i stapelImages) Stage(ctx context.Context, name string, stage stapel.StageName, platform string) (stapel.StageRef, error) {
	img := i.s.Config.Image(name)
	if img == nil || !img.IsStapel() {
		return stapel.StageRef{}, fmt.Errorf("image %q is not a Stapel image: only a Stapel image's stage can be imported", config.LogName(name))
	}
	a, err := i.s.Address(ctx, img, platform)
	if err != nil {
		return stapel.StageRef{}, err
	}
	for _, st := range a.Stages {
		if st.Name == stage {
			return i.s.stageRef(ctx, st, a.Stored[st.Name])
		}
	}
	return stapel.StageRef{}, fmt.Errorf("image %q has no %s stage", config.LogName(name), stage)
}

// stageRef is a stage as other images take it: its content digest always; its
// name, IDs and labels once it is stored.
func (s *Stapel) stageRef(ctx context.Context, st *stapel.Stage, desc *registry.StageDesc) (stapel.StageRef, error) {
	ref := stapel.StageRef{ContentDigest: st.ContentDigest}
	if desc == nil {
		return ref, nil
	}
	cfg, err := desc.Config(ctx)
	if err != nil {
		return ref, err
	}
	v := desc.ImportValues()
	ref.Name, ref.ID, ref.Digest, ref.StageID, ref.Labels = v.Name, v.ID, v.Digest, desc.ID.String(), cfg.Config.Labels
	return ref, nil
}

// dockerfileStage is the stored last stage of a Dockerfile image a Stapel image
// takes from: a Dockerfile image's stage is taken as stored.
func (s *Stapel) dockerfileStage(ctx context.Context, img *config.Image, platform string) (stapel.StageRef, error) {
	if s.Finished != nil {
		if desc := s.Finished(img, platform); desc != nil {
			s.remember(desc)
			return dockerfileStageRef(ctx, desc)
		}
	}
	if s.Storage == nil {
		return stapel.StageRef{}, fmt.Errorf("image %q is a Dockerfile image, whose stage is taken as stored: give the repository it is built into", img.LogName())
	}
	list, err := StageDigests(ctx, s.Config, s.Calculator, s.Storage, img, platform, s.Imports)
	if err != nil {
		return stapel.StageRef{}, err
	}
	digest := list[len(list)-1].Digest
	desc, err := s.Storage.Lookup(ctx, digest)
	if err != nil {
		return stapel.StageRef{}, err
	}
	if desc == nil {
		return stapel.StageRef{}, fmt.Errorf("image %q: stage %s is %w in %s: build the image first", img.LogName(), digest, errNotStored, s.Storage.Repo())
	}
	s.remember(desc)
	return dockerfileStageRef(ctx, desc)
}

func dockerfileStageRef(ctx context.Context, desc *registry.StageDesc) (stapel.StageRef, error) {
	cfg, err := desc.Config(ctx)
	if err != nil {
		return stapel.StageRef{}, err
	}
	v := desc.ImportValues()
	return stapel.StageRef{
		Name: v.Name, ID: v.ID, Digest: v.Digest, StageID: desc.ID.String(),
		ContentDigest: cfg.Config.Labels[registry.LabelContentDigest], Labels: cfg.Config.Labels,
	}, nil
}
