package stapel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// allKinds is an image with every kind of stage.
func allKinds() *config.Image {
	img := stapelImage("all", config.Stapel{
		From:   "alpine:3.20",
		Mounts: []config.Mount{{From: "tmp_dir", To: "/var/cache/x"}},
		Git:    []config.GitMapping{{Add: "/", To: "/app", StageDependencies: config.StageDependencies{Install: []string{"go.mod"}}}},
		Shell: &config.Shell{
			BeforeInstall: []string{"apk add git"},
			Install:       []string{"go mod download"},
			BeforeSetup:   []string{"go build ./..."},
			Setup:         []string{"echo done"},
		},
		Imports: []config.FileImport{
			{Image: "asset", Add: "/a", Before: "install"},
			{Image: "asset", Add: "/b", After: "install"},
			{Image: "asset", Add: "/c", Before: "setup"},
			{Image: "asset", Add: "/d", After: "setup"},
		},
		Docker: &config.Docker{Env: map[string]string{"A": "b"}, Expose: []string{"8080"}},
	})
	img.ImageSpec = &config.ImageSpec{Author: "me"}
	return img
}

func TestStageList(t *testing.T) {
	every := []StageName{From, BeforeInstall, DependenciesBeforeInstall, GitArchive, Install, DependenciesAfterInstall,
		BeforeSetup, DependenciesBeforeSetup, Setup, DependenciesAfterSetup, GitCache, GitLatestPatch, DockerInstructions, ImageSpec}
	artifact := allKinds()
	artifact.Stapel.Artifact, artifact.Stapel.Docker, artifact.ImageSpec = true, nil, nil
	noPatch := allKinds()
	noPatch.Stapel.DisableGitAfterPatch = true
	noGit := allKinds()
	noGit.Stapel.Git = nil
	versionOnly := stapelImage("v", config.Stapel{From: "alpine", Shell: &config.Shell{CacheVersion: "1"}})
	setupVersion := stapelImage("v", config.Stapel{From: "alpine", Shell: &config.Shell{SetupCacheVersion: "1"}})
	bare := stapelImage("b", config.Stapel{From: "alpine", Shell: &config.Shell{}})

	tests := []struct {
		name string
		img  *config.Image
		opts Options
		want []StageName
	}{
		{"every kind", allKinds(), Options{}, every},
		{"artifact: no gitCache, gitLatestPatch", artifact, Options{},
			[]StageName{From, BeforeInstall, DependenciesBeforeInstall, GitArchive, Install, DependenciesAfterInstall,
				BeforeSetup, DependenciesBeforeSetup, Setup, DependenciesAfterSetup}},
		{"disableGitAfterPatch drops dockerInstructions too, as in werf", noPatch, Options{},
			[]StageName{From, BeforeInstall, DependenciesBeforeInstall, GitArchive, Install, DependenciesAfterInstall,
				BeforeSetup, DependenciesBeforeSetup, Setup, DependenciesAfterSetup, ImageSpec}},
		{"no git: no git stages", noGit, Options{},
			[]StageName{From, BeforeInstall, DependenciesBeforeInstall, Install, DependenciesAfterInstall,
				BeforeSetup, DependenciesBeforeSetup, Setup, DependenciesAfterSetup, DockerInstructions, ImageSpec}},
		{"--skip-image-spec-stage", allKinds(), Options{SkipImageSpec: true}, every[:len(every)-1]},
		{"shell.cacheVersion alone makes the four user stages", versionOnly, Options{},
			[]StageName{From, BeforeInstall, Install, BeforeSetup, Setup}},
		{"setupCacheVersion alone makes setup", setupVersion, Options{}, []StageName{From, Setup}},
		{"an empty shell section makes none", bare, Options{}, []StageName{From}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StageNames(tt.img, tt.opts))
		})
	}
}

// A first build walks every stage but gitCache and gitLatestPatch: the stage
// before them has the current commits.
func TestFirstBuildSkipsPatchStages(t *testing.T) {
	img := allKinds()
	g := &fakeGit{params: "p1", head: "c2", parents: map[string]string{"c2": "c1", "c1": ""}}
	c := testChain(t, img, Options{
		Images:          fakeImages{"asset": {Name: "r:asset", ContentDigest: "ca", StageID: "asset-1"}},
		ImportChecksums: &fakeChecksums{byImage: map[string]ImportChecksum{"asset": {Checksum: "s", SourceStageID: "asset-1"}}},
	}, g)
	stages := walk(t, c)
	assert.Equal(t, []StageName{From, BeforeInstall, DependenciesBeforeInstall, GitArchive, Install, DependenciesAfterInstall,
		BeforeSetup, DependenciesBeforeSetup, Setup, DependenciesAfterSetup, DockerInstructions, ImageSpec}, names(stages))
	assert.Same(t, stages[len(stages)-1], c.Last())
	for i := 1; i < len(stages); i++ {
		assert.Equal(t, stages[i-1].Digest, arg(t, stages[i], argPrevDigest), "%s follows %s", stages[i].Name, stages[i-1].Name)
	}
}

func TestAnsibleRefused(t *testing.T) {
	img := stapelImage("backend", config.Stapel{From: "alpine", Ansible: &config.Ansible{Install: []map[string]any{{"shell": "true"}}}})
	_, err := NewChain(img, Options{Platform: "linux/amd64"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `image "backend"`)
	assert.Contains(t, err.Error(), "ansible")
}

func TestNewChainRefuses(t *testing.T) {
	tests := []struct {
		name string
		img  *config.Image
		opts Options
		want string
	}{
		{"Dockerfile image", &config.Image{Name: "d"}, Options{Platform: "linux/amd64"}, "not a Stapel image"},
		{"no platform", stapelImage("x", config.Stapel{From: "a"}), Options{}, "no target platform"},
		{"git not opened", stapelImage("x", config.Stapel{From: "a", Git: []config.GitMapping{{Add: "/"}}}), Options{Platform: "p"}, "1 git mappings in werf.yaml, 0 opened"},
		{"no base", stapelImage("x", config.Stapel{}), Options{Platform: "p"}, "neither from nor fromImage"},
		{"fromLatest scratch", stapelImage("x", config.Stapel{From: "scratch", FromLatest: true}), Options{Platform: "p"}, "not scratch"},
		{"fromLatest without BaseImageID", stapelImage("x", config.Stapel{From: "a", FromLatest: true}), Options{Platform: "p"}, "BaseImageID"},
		{"fromImage without Images", stapelImage("x", config.Stapel{FromImage: "a"}), Options{Platform: "p"}, "Options.Images is nil"},
		{"imports without checksums", stapelImage("x", config.Stapel{From: "a", Imports: []config.FileImport{{Image: "a:1", External: true}}}), Options{Platform: "p"}, "ImportChecksums is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewChain(tt.img, tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// Next refuses to go on before the stage it returned is resolved, and Found
// and Building take only that stage.
func TestWalkOrder(t *testing.T) {
	ctx := context.Background()
	img := stapelImage("x", config.Stapel{From: "alpine", Shell: &config.Shell{Install: []string{"true"}}})
	c := testChain(t, img, Options{})
	from, err := c.Next(ctx)
	require.NoError(t, err)
	_, err = c.Next(ctx)
	require.ErrorContains(t, err, "neither found nor building")

	other := testChain(t, img, Options{})
	otherFrom, err := other.Next(ctx)
	require.NoError(t, err)
	_, err = c.Building(ctx, otherFrom)
	require.ErrorContains(t, err, "not the stage Next returned last")

	_, err = c.Building(ctx, from)
	require.NoError(t, err)
	install, err := c.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, Install, install.Name)
	require.ErrorContains(t, c.Found(from, Candidate{}), "not the stage Next returned last")
	assert.Nil(t, c.Last(), "the walk is not over")
}
