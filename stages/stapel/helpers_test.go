package stapel

import (
	"context"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// fakeImages answers for other images of the config: the stages storage and
// the other images' walks are edges of this package.
type fakeImages map[string]StageRef

func (f fakeImages) LastStage(_ context.Context, image, _ string) (StageRef, error) {
	ref, ok := f[image]
	if !ok {
		return StageRef{}, fmt.Errorf("no image %q", image)
	}
	return ref, nil
}

func (f fakeImages) Stage(_ context.Context, image string, stage StageName, _ string) (StageRef, error) {
	ref, ok := f[image+"/"+string(stage)]
	if !ok {
		return StageRef{}, fmt.Errorf("no stage %s of image %q", stage, image)
	}
	return ref, nil
}

// fakeChecksums stands for the import-metadata records (package
// stages/importsum): a checksum per source image.
type fakeChecksums struct {
	byImage map[string]ImportChecksum
	asked   []ImportRequest
}

func (f *fakeChecksums) Checksum(_ context.Context, req ImportRequest) (ImportChecksum, error) {
	f.asked = append(f.asked, req)
	sum, ok := f.byImage[req.Import.Image]
	if !ok {
		return ImportChecksum{}, fmt.Errorf("no checksum for %s", req.Import.Image)
	}
	return sum, nil
}

// fakeGit is a git mapping over a made-up history, so that the chain's git
// logic (emptiness, ancestry, what found stages hand on) is tested now.
// TODO(after merge): once gitmap is implemented, add the same cases over real
// repositories in t.TempDir() through gitmap.Open (see git_test.go).
type fakeGit struct {
	params    string
	head      string
	parents   map[string]string // commit -> parent; a linear history
	stageDeps map[string]string // user stage -> stageDependencies checksum
	sizes     map[string]int64  // patch size from a commit to head
	patches   map[string]string // patch text from a commit to head
	empty     bool              // git.add matches no file
}

func (g *fakeGit) label() string { return "werf-git-" + g.params + "-commit" }

func (g *fakeGit) ParamsHash() string { return g.params }
func (g *fakeGit) Latest(context.Context) (gitmap.CommitInfo, error) {
	return gitmap.CommitInfo{Commit: g.head}, nil
}
func (g *fakeGit) IsEmpty(context.Context) (bool, error) { return g.empty, nil }
func (g *fakeGit) StageDependenciesChecksum(_ context.Context, stage string) (string, error) {
	return g.stageDeps[stage], nil
}
func (g *fakeGit) Labels(info gitmap.CommitInfo) map[string]string {
	return map[string]string{g.label(): info.Commit, "werf-git-" + g.params + "-virtual-merge": "false"}
}
func (g *fakeGit) ArchiveType() (string, error) { return gitmap.ArchiveDirectory, nil }
func (g *fakeGit) TypeLabel() string            { return "werf-git-" + g.params + "-type" }
func (g *fakeGit) Recorded(labels map[string]string) (gitmap.CommitInfo, error) {
	c, ok := labels[g.label()]
	if !ok {
		return gitmap.CommitInfo{}, fmt.Errorf("no label %s", g.label())
	}
	return gitmap.CommitInfo{Commit: c}, nil
}
func (g *fakeGit) BaseCommit(_ context.Context, prev map[string]string) (string, error) {
	info, err := g.Recorded(prev)
	return info.Commit, err
}
func (g *fakeGit) HasCommit(_ context.Context, c string) (bool, error) {
	_, ok := g.parents[c]
	return ok || c == g.head, nil
}
func (g *fakeGit) IsAncestor(_ context.Context, c, of string) (bool, error) {
	for x := of; x != ""; x = g.parents[x] {
		if x == c {
			return true, nil
		}
	}
	return false, nil
}
func (g *fakeGit) PatchSize(_ context.Context, from string) (int64, error) {
	return g.sizes[from], nil
}
func (g *fakeGit) IsPatchEmpty(_ context.Context, from string) (bool, error) {
	return from == g.head || g.patches[from] == "", nil
}
func (g *fakeGit) PatchContent(_ context.Context, from string) (string, error) {
	if from == g.head {
		return "", nil
	}
	return g.patches[from], nil
}

// testChain is a chain over fake git mappings, one per cfg.Stapel.Git item.
func testChain(t testing.TB, img *config.Image, opts Options, git ...*fakeGit) *Chain {
	t.Helper()
	require.Len(t, git, len(img.Stapel.Git), "one fake git per mapping")
	ms := make([]mapping, len(git))
	for i, g := range git {
		ms[i] = mapping{cfg: img.Stapel.Git[i], git: g}
	}
	if opts.Platform == "" {
		opts.Platform = "linux/amd64"
	}
	return newChain(img, opts, ms)
}

// walk runs a chain to its end, each stage built now, and returns the stages.
func walk(t testing.TB, c *Chain) []*Stage {
	t.Helper()
	stages, err := Address(context.Background(), c, nil)
	require.NoError(t, err)
	return stages
}

// arg is the value of a digest argument by werf's name.
func arg(t testing.TB, s *Stage, name string) string {
	t.Helper()
	for _, a := range s.Args {
		if a.Name == name {
			return a.Value
		}
	}
	t.Fatalf("stage %s has no argument %q", s.Name, name)
	return ""
}

func names(ss []*Stage) []StageName {
	out := make([]StageName, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func stapelImage(name string, s config.Stapel) *config.Image {
	return &config.Image{Name: name, Final: true, Stapel: &s}
}

// sha256Of is werf's util.Sha256Hash, written again for the tests.
func sha256Of(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, ":::")))
	return hex.EncodeToString(sum[:])
}

// sha3Of is werf's util.Sha3_224Hash, written again for the tests.
func sha3Of(parts ...string) string {
	sum := sha3.Sum224([]byte(strings.Join(parts, ":::")))
	return hex.EncodeToString(sum[:])
}
