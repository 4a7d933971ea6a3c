package staged

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
)

// writeContext lays out the build context of the [harness] examples (§5.3, §7.6).
func writeContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "src", "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "a.txt"), []byte("A\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "sub", "b.txt"), []byte("B\n"), 0o644))
	return dir
}

// stepDigests computes the FROM digest and then every step's, chained.
func stepDigests(t *testing.T, img *Image, in Inputs) (from string, deps, digests []string) {
	t.Helper()
	from, _, err := img.FromDigest(in)
	require.NoError(t, err)
	prev := from
	for i := range img.Steps {
		d, err := img.StepDependencies(i, in)
		require.NoError(t, err)
		digest, err := img.StepDigest(i, prev, in)
		require.NoError(t, err)
		deps = append(deps, d)
		digests = append(digests, digest)
		prev = digest
	}
	return from, deps, digests
}

const g1 = "FROM alpine:3.19\nENV A=1\nRUN echo $A\nCOPY src/ /app/\nCMD [\"/app/run\"]\n"

// G1 and G2 of staged-facts §7.6: the same Dockerfile on two platforms, the
// second with a cacheVersion.
func TestHarnessG1G2(t *testing.T) {
	ctx := writeContext(t)
	images, err := Map([]byte(g1), MapOptions{Image: "app", Path: "Dockerfile", Platform: "linux/amd64"})
	require.NoError(t, err)
	require.Len(t, images, 1)
	img := images[0]
	assert.Equal(t, "app", img.Name)
	assert.True(t, img.Target)
	assert.Equal(t, "alpine:3.19", img.BaseRef)
	var names []string
	for _, s := range img.Steps {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"ENV", "RUN", "COPY", "CMD"}, names)

	stepDeps := []string{
		"f2602e73338e74cf6c6397091b888fbafac802ce55f45d6b9b25c3d398ebec77",
		"1f6ec4ac154c2b52e296749fea4aded20a3dcca2e43946169d639b886bdc5bff",
		"29868c5eb5543fa8803c57962113fecac04bc08880e47622358141f29558bab1",
		"5ff076f1cf3a5479a71994682dced8dd5143962b43d88f2a81c8676040bcf9bc",
	}
	tests := []struct {
		name, platform, cacheVersion string
		fromDeps, from               string
		digests                      []string
		fromContent, content         string
	}{
		{
			name: "G1", platform: "linux/amd64",
			fromDeps: "6e5226a00f697ed765867ab4f4dc6c76fd752d574f4727806d82a03667d5b44c",
			from:     "0c8bbdb0ba2fca3126dd77bc6dd964474bd07947d9a5b4a0df83b0b3",
			digests: []string{
				"da5a425facaf5ab456b7464f0625abd7af28d4ee0e445ef0917a0d41",
				"821a86a6210a3a5754e544b7de6e9a0c9fe7facd999efdd72c47322e",
				"1619947363192b845aa970bea0cb5fa8c496424d5ad5a4d973ede7e1",
				"3cb8ca2ab2c384dfbb78005babcb240e468842128585f4ac9ab87e80",
			},
			fromContent: "37c81f622a1ed5718174e1e59f6f6dd54232fa4b63d711c1f3d41793",
			content:     "63ed9689d907be7e51ceb72f3c41c264c938f938db864e2f4c986837",
		},
		{
			name: "G2", platform: "linux/arm64", cacheVersion: "v1",
			fromDeps: "938ec9b3d2e256b7a7536e147c6609ad1d40b5618dd081716c0f724f5179b68d",
			from:     "4a376c3c6d5aa777010a7a835fe9ce53c9f164d2c372e05c68da27b7",
			digests: []string{
				"824372cd15e031b8a446d6950b807a6f882654f14b698daf8e842047",
				"c697342dd4986bd2ab48ba9702bafdfb1a933be445ee30b23180f953",
				"d8fb6b485ecc60845a17e1e870b7d05b14cc357be93c1c0af1b528b8",
				"ed3f6c16fa09440562e5b95a07def18372c127ce8ef14ddf43d9ff9a",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Inputs{
				Platform:     tt.platform,
				CacheVersion: tt.cacheVersion,
				BaseEnv:      []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
				Context:      ctx,
			}
			assert.Equal(t, tt.fromDeps, fromDependencies("alpine:3.19", "", tt.cacheVersion))
			from, deps, digests := stepDigests(t, img, in)
			assert.Equal(t, tt.from, from)
			assert.Equal(t, stepDeps, deps, "the platform enters only the digests")
			assert.Equal(t, tt.digests, digests)
			_, ref, err := img.FromDigest(in)
			require.NoError(t, err)
			assert.Equal(t, "alpine:3.19", ref)
			if tt.fromContent != "" {
				assert.Equal(t, tt.fromContent, stages.StageContentDigest(tt.platform, "FROM", from))
				assert.Equal(t, tt.content, stages.StageContentDigest(tt.platform, "CMD", digests[3]))
			}
		})
	}
}

// G3 of staged-facts §7.6: dependency imports in FROM and in a stage ARG.
func TestHarnessG3DependencyArgs(t *testing.T) {
	const (
		name = "registry.example.com/proj:0123456789abcdef0123456789abcdef0123456789abcdef01234567-1700000000000"
		tag  = "0123456789abcdef0123456789abcdef0123456789abcdef01234567-1700000000000"
	)
	images, err := Map([]byte("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG DEP_TAG\nRUN echo $DEP_TAG\n"), MapOptions{
		Image: "app", ImportArgs: []string{"BASE_IMAGE", "DEP_TAG"},
	})
	require.NoError(t, err)
	require.Len(t, images, 1)
	img := images[0]
	assert.Equal(t, "${BASE_IMAGE}", img.BaseRef, "a dependency import stays literal until a digest is computed")

	in := Inputs{
		DependencyArgs: map[string]string{"BASE_IMAGE": name, "DEP_TAG": tag},
		BaseEnv:        []string{"PATH=/bin", "HOME=/root"},
	}
	from, ref, err := img.FromDigest(in)
	require.NoError(t, err)
	assert.Equal(t, name, ref)
	assert.Equal(t, "82713f979d850561dc387be15425945ce454394453662e67031a36eccc11215c", fromDependencies(name, "", ""))
	assert.Equal(t, "a2de407a858f1617915be03a8a8198c860666de2daf6138aab3f1eef", from)

	_, env, err := img.expandStep(img.Steps[0], in)
	require.NoError(t, err)
	assert.Equal(t, []string{"BASE_IMAGE=" + name, "DEP_TAG=" + tag, "HOME=/root", "PATH=/bin"}, envToSortedArr(env))

	deps, err := img.StepDependencies(0, in)
	require.NoError(t, err)
	assert.Equal(t, "013b38c6eead967869a9219d75e0c3b9200fd5d094cf3f2946e80ac894ddfbcb", deps)
	digest, err := img.StepDigest(0, from, in)
	require.NoError(t, err)
	assert.Equal(t, "6760d540ae8687d6f1a50f354f871acdf0d317f20f59ba7eda952c1f", digest)
}

// The stage-based FROM example of staged-facts §7.6.
func TestHarnessStageBase(t *testing.T) {
	images, err := Map([]byte("FROM a AS Build\nFROM build\nRUN x\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	require.Len(t, images, 2)
	build, app := images[0], images[1]
	assert.Equal(t, "app/stage/build", build.Name)
	assert.Equal(t, "a", build.BaseRef)
	assert.Empty(t, build.Steps)
	assert.Equal(t, "app", app.Name)
	assert.Equal(t, "app/stage/build", app.BaseImage)
	assert.Empty(t, app.BaseRef)

	buildFrom, _, err := build.FromDigest(Inputs{BaseEnv: []string{"PATH=/bin"}})
	require.NoError(t, err)
	assert.Equal(t, "39efeeef97a291de86bec270e2791f350ef14519300a3ea1fe386f6b", buildFrom)

	last := "r:" + buildFrom + "-1700000000001"
	in := Inputs{
		BaseEnv: []string{"PATH=/bin"},
		LastImageName: func(image string) (string, error) {
			require.Equal(t, "app/stage/build", image)
			return last, nil
		},
	}
	assert.Equal(t, "8a54a5b1f4e60cfae40553461549416865ff5ee3531444285ddadb4eb8cb939d", fromDependencies("", "", ""))
	from, ref, err := app.FromDigest(in)
	require.NoError(t, err)
	assert.Empty(t, ref)
	assert.Equal(t, "63470bf345f43a1c91ad0edfcb6a32322aa643c8547e7c4a8bda17e3", from)

	_, err = app.StepDigest(0, from, in)
	require.NoError(t, err)
	_, _, err = app.FromDigest(Inputs{})
	require.ErrorContains(t, err, `Dockerfile:2: werf image "app"`)
}

// The dirhash values of staged-facts §5.3.
func TestContextChecksums(t *testing.T) {
	ctx := writeContext(t)
	require.NoError(t, os.WriteFile(filepath.Join(ctx, "go.mod"), []byte("module x\n"), 0o644))

	h, err := hashContentsAndPaths(filepath.Join(ctx, "src"))
	require.NoError(t, err)
	assert.Equal(t, "h1:VlHJ5mYM/9Ir88VPBhGr8ZjzroGlko5K4fG3g91cnxo=", h)
	h, err = hashContentsAndPaths(filepath.Join(ctx, "go.mod"))
	require.NoError(t, err)
	assert.Equal(t, "h1:bKYNTh+vo5+F34HHOy4dca0+SoibMve/ocX8Qhd4v5Y=", h)
	require.NoError(t, os.Mkdir(filepath.Join(ctx, "empty"), 0o755))
	h, err = hashContentsAndPaths(filepath.Join(ctx, "empty"))
	require.NoError(t, err)
	assert.Equal(t, "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", h)

	const srcSum = "5dbffd671bb5f68081954dbbd1eba5c7726d6eee16b7e3a42412b8f5491a6bd2"
	tests := []struct {
		name  string
		globs []string
		want  string
		err   string
	}{
		{name: "dir with slash", globs: []string{"src/"}, want: srcSum},
		{name: "dir", globs: []string{"src"}, want: srcSum},
		{name: "same match twice", globs: []string{"src", "./src/"}, want: srcSum},
		{name: "glob matching the dir", globs: []string{"sr?"}, want: srcSum},
		{name: "glob matching nothing is skipped", globs: []string{"src", "*.none"}, want: srcSum},
		{name: "top-level matches only", globs: []string{"src/*"}, want: mustPaths(t, ctx, "src/a.txt", "src/sub")},
		{name: "missing literal", globs: []string{"src", "nope.txt"}, err: `source "nope.txt": no such file or directory`},
		{name: "nothing matches", globs: []string{"*.none"}, err: "no glob matches"},
		{name: "outside", globs: []string{"../x"}, err: `source "../x" is outside the build context`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := calculateGlobsChecksum(ctx, tt.globs)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, sum)
		})
	}

	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(ctx, "escape")))
	_, err = calculatePathsChecksum(ctx, []string{"escape"})
	require.ErrorContains(t, err, "leads outside the build context")
	_, err = calculatePathsChecksum(ctx, []string{"missing"})
	require.ErrorContains(t, err, `source "missing": unable to stat`)
	_, err = calculateGlobsChecksum("", []string{"src"})
	require.ErrorIs(t, err, errNoContext)
}

func mustPaths(t *testing.T, ctx string, paths ...string) string {
	t.Helper()
	sum, err := calculatePathsChecksum(ctx, paths)
	require.NoError(t, err)
	return sum
}
