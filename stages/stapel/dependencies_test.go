package stapel

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// werfDependency is an entry of werf's pkg/build/stage/dependencies_test.go:
// a dependency, the env variables of its imports, and its last stage.
type werfDependency struct {
	image                          string
	name, repo, tag, id, digestEnv string // TargetEnv per import type; "" for none
	dockerRepo, dockerTag          string
	dockerID, dockerDigest         string
}

// config is werf's ToConfigDependency: imports in the order Name, Repo, Tag,
// ID, Digest.
func (d werfDependency) config() config.Dependency {
	dep := config.Dependency{Image: d.image, Before: "install"}
	for _, imp := range []config.Import{
		{Type: config.ImageName, TargetEnv: d.name},
		{Type: config.ImageRepo, TargetEnv: d.repo},
		{Type: config.ImageTag, TargetEnv: d.tag},
		{Type: config.ImageID, TargetEnv: d.id},
		{Type: config.ImageDigest, TargetEnv: d.digestEnv},
	} {
		if imp.TargetEnv != "" {
			dep.Imports = append(dep.Imports, imp)
		}
	}
	return dep
}

func TestDependenciesWerfGolden(t *testing.T) {
	one := werfDependency{image: "one", name: "IMAGE_ONE_NAME", repo: "IMAGE_ONE_REPO", tag: "IMAGE_ONE_TAG",
		dockerRepo: "ONE_REPO", dockerTag: "796e905d0cc975e718b3f8b3ea0199ea4d52668ecc12c4dbf85a136d-1638863657513",
		dockerID: "sha256:d19deb06171086017db6aade408ce29592e7490f3b98d4da228ef6c771ddc6d5", dockerDigest: "sha256:6a86a39f70f4dac3df671119ffe66a1d76958e7504e72b1ee9f893a152ef772b"}
	two := werfDependency{image: "two", name: "TWO_NAME", repo: "TWO_REPO", tag: "TWO_TAG", id: "TWO_ID", digestEnv: "TWO_DIGEST",
		dockerRepo: "TWO_REPO", dockerTag: "bc6db8dde5c051349b85dbb8f858f4c80a519a17723d2c67dc9f890c-1643039584147",
		dockerID: "sha256:5a46fe1fe7f2867aeb0a74cfc5aea79b1003b8d6095e2350332d3c99d7e1df6b", dockerDigest: "sha256:0476c17a17b746284ea1622b4c97f8a9c986a1f1919ea3a9763cf06d8609b425"}
	oneAgain := werfDependency{image: "one", name: "ONE_NAME", repo: "ONE_REPO", tag: "ONE_TAG", id: "ONE_ID", digestEnv: "ONE_DIGEST",
		dockerRepo: one.dockerRepo, dockerTag: one.dockerTag, dockerID: one.dockerID, dockerDigest: one.dockerDigest}
	three := werfDependency{image: "three", name: "THREE_IMAGE_NAME", dockerRepo: "THREE_REPO", dockerTag: "custom-tag",
		dockerID: "sha256:6f510109a5ca7657babd6f3f48fd16c1b887d63857ac411f636967de5aa48d31", dockerDigest: "sha256:bc18c2bf466481a9773822f3d29f681d866f7291895552609e75f2e7d76b9bcb"}
	newTag := func(d werfDependency) werfDependency {
		d.dockerTag = "b7aebf280be3fbb7d207d3b659bfc1a49338441ea933c1eac5766a5f-1638863693022"
		d.dockerID = "sha256:c62467775792f47c1bb39ceb5dccdafa02db1734f12c8aa07dbb6d618c501166"
		return d
	}
	renamedEnv := one
	renamedEnv.tag = "IMAGE_ONE_TAG_VARIABLE"

	tests := []struct {
		name string
		deps []werfDependency
		want string
	}{
		{"dependencies set", []werfDependency{one, two, oneAgain},
			"62b956afc89d0918164545c6336ecbcf3d29415cb42724368c6d331439bee956"},
		{"a new image added", []werfDependency{one, two, oneAgain, three},
			"69812782590820b507d9c8a2f74ed54d6544070ea28028e6fced4bf70f40112e"},
		{"a dependency's stage changed", []werfDependency{newTag(one), two, newTag(oneAgain)},
			"686672be02deb993edb8d41cd97eafdf26ebcfa5b878063ddd887ec623d84a1c"},
		{"an env variable renamed", []werfDependency{renamedEnv, two, oneAgain},
			"1aa753aa608f9f19c85732d338e2f96236c2d2463de776b84936bedade37e9ce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images := fakeImages{}
			img := stapelImage("example-image", config.Stapel{From: "alpine"})
			for _, d := range tt.deps {
				images[d.image] = StageRef{Name: d.dockerRepo + ":" + d.dockerTag, ID: d.dockerID, Digest: d.dockerDigest, StageID: d.dockerTag}
				img.Dependencies = append(img.Dependencies, d.config())
			}
			stages := walk(t, testChain(t, img, Options{Images: images}))
			require.Equal(t, []StageName{From, DependenciesBeforeInstall}, names(stages))
			s := stages[1]
			assert.Equal(t, tt.want, arg(t, s, argDependencies))
			assert.Equal(t, "importsBeforeInstall", arg(t, s, argStageName))

			// werf's CheckImageDependenciesAfterPrepare: the environment.
			for _, d := range tt.deps {
				ref := images[d.image]
				for env, want := range map[string]string{d.name: ref.Name, d.repo: d.dockerRepo, d.tag: d.dockerTag, d.id: ref.ID, d.digestEnv: ref.Digest} {
					if env != "" {
						assert.Equal(t, want, s.Env[env], env)
					}
				}
			}
		})
	}

	t.Run("no dependencies", func(t *testing.T) {
		deps, _, err := (&dependenciesStep{}).dependencies(context.Background(), nil, nil, &Stage{})
		require.NoError(t, err)
		assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", deps)
	})
}

// werf's getDependencies test: each dependency goes to the stage its
// before/after names.
func TestDependenciesByStage(t *testing.T) {
	img := stapelImage("x", config.Stapel{From: "alpine"})
	for _, d := range []config.Dependency{
		{Image: "one", Before: "setup"}, {Image: "two", Before: "setup"}, {Image: "three", Before: "install"},
		{Image: "four", After: "install"}, {Image: "five", After: "install"}, {Image: "six", After: "setup"},
	} {
		img.Dependencies = append(img.Dependencies, d)
	}
	got := map[StageName][]string{}
	for _, st := range planSteps(img, false, false) {
		if d, ok := st.(*dependenciesStep); ok {
			for _, dep := range d.deps {
				got[d.stage] = append(got[d.stage], dep.Image)
			}
		}
	}
	assert.Equal(t, map[StageName][]string{
		DependenciesBeforeInstall: {"three"},
		DependenciesAfterInstall:  {"four", "five"},
		DependenciesBeforeSetup:   {"one", "two"},
		DependenciesAfterSetup:    {"six"},
	}, got)
}

// Imports: their checksums as recorded, to, group, owner; the source named to
// importsum by its content digest; labels from the record.
func TestImports(t *testing.T) {
	img := stapelImage("app", config.Stapel{
		From: "alpine",
		Imports: []config.FileImport{
			{Image: "asset", Add: "/out", To: "/opt/out", After: "install", Owner: "app", Group: "app"},
			{Image: "alpine:3.20", External: true, Add: "/etc/os-release", After: "install", IncludePaths: []string{"a", "b"}},
			{Image: "builder", Artifact: true, Stage: "install", Add: "/src", Before: "setup"},
		},
	})
	images := fakeImages{
		"asset":           {Name: "repo:asset-1", StageID: "asset-1", ContentDigest: "content-asset"},
		"builder/install": {Name: "repo:builder-install-1", StageID: "builder-install-1", ContentDigest: "content-builder-install"},
	}
	sums := &fakeChecksums{byImage: map[string]ImportChecksum{
		"asset":       {Checksum: "sum-asset", SourceStageID: "asset-0"},
		"alpine:3.20": {Checksum: "sum-alpine", SourceStageID: "external-image:alpine:3.20"},
		"builder":     {Checksum: "sum-builder", SourceStageID: "builder-install-1"},
	}}
	c := testChain(t, img, Options{Images: images, ImportChecksums: sums})
	ctx := context.Background()
	var labels []map[string]string
	var stages []*Stage
	for {
		s, err := c.Next(ctx)
		require.NoError(t, err)
		if s == nil {
			break
		}
		l, err := c.Building(ctx, s)
		require.NoError(t, err)
		stages, labels = append(stages, s), append(labels, l)
	}
	require.Equal(t, []StageName{From, DependenciesAfterInstall, DependenciesBeforeSetup}, names(stages))

	after := stages[1]
	assert.Equal(t, "importsAfterInstall", arg(t, after, argStageName))
	assert.Equal(t, sha256Of("sum-asset", "/opt/out", "app", "app", "sum-alpine", "/etc/os-release", "", ""), arg(t, after, argDependencies))
	asset, alpine := sums.asked[0], sums.asked[1]
	assert.Equal(t, sha256Of("SourceImageContentDigest", "content-asset", "Add", "/out", "IncludePaths", "", "ExcludePaths", ""), asset.SourceID)
	assert.Equal(t, "repo:asset-1", asset.SourceImage)
	assert.Equal(t, "asset-1", asset.SourceStageID)
	assert.Equal(t, sha256Of("SourceImageContentDigest", "external-image:alpine:3.20", "Add", "/etc/os-release", "IncludePaths", "a///b", "ExcludePaths", ""), alpine.SourceID)
	assert.Equal(t, "alpine:3.20", alpine.SourceImage)
	assert.Equal(t, "external-image:alpine:3.20", alpine.SourceStageID)

	assetID := sha256Of("ImageName", "asset", "ArtifactName", "", "Stage", "", "After", "install", "Before", "",
		"Add", "/out", "To", "/opt/out", "Group", "app", "Owner", "app", "IncludePaths", "", "ExcludePaths", "")
	assert.Equal(t, "sum-asset", labels[1]["werf-import-checksum-"+assetID])
	assert.Equal(t, "asset-0", labels[1]["werf-import-source-stage-id-"+assetID], "the record's source stage, not the current one")
	assert.Len(t, labels[1], 5, "two labels per import and the content digest; no mounts")

	builder := stages[2]
	assert.Equal(t, "importsBeforeSetup", arg(t, builder, argStageName))
	assert.Equal(t, "repo:builder-install-1", sums.asked[2].SourceImage)
	builderID := sha256Of("ImageName", "", "ArtifactName", "builder", "Stage", "install", "After", "", "Before", "setup",
		"Add", "/src", "To", "/src", "Group", "", "Owner", "", "IncludePaths", "", "ExcludePaths", "")
	assert.Equal(t, "sum-builder", labels[2]["werf-import-checksum-"+builderID], "artifact: named as ArtifactName; to defaults to add")
}

// A dependency's labels name its stage ID by its SHA-256.
func TestDependencyLabels(t *testing.T) {
	img := stapelImage("app", config.Stapel{From: "alpine"})
	img.Dependencies = []config.Dependency{{Image: "one", After: "setup", Imports: []config.Import{{Type: config.ImageTag, TargetEnv: "T"}}}}
	c := testChain(t, img, Options{Images: fakeImages{"one": {Name: "r:abc-1", StageID: "abc-1"}}})
	stages := walk(t, c)
	require.Equal(t, []StageName{From, DependenciesAfterSetup}, names(stages))
	assert.Equal(t, map[string]string{"T": "abc-1"}, stages[1].Env)
	assert.Equal(t, sha256Of("Dependency", "r:abc-1", "DependencyImport", sha256Of("Type", "ImageTag", "TargetEnv", "T")), arg(t, stages[1], argDependencies))

	c = testChain(t, img, Options{Images: fakeImages{"one": {Name: "r:abc-1", StageID: "abc-1"}}})
	ctx := context.Background()
	s, _ := c.Next(ctx)
	_, err := c.Building(ctx, s)
	require.NoError(t, err)
	s, _ = c.Next(ctx)
	labels, err := c.Building(ctx, s)
	require.NoError(t, err)
	assert.Equal(t, "abc-1", labels["werf-dependency-stage-id-"+sha256Of("abc-1")])
}
