package stages_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// memoContext is the digest memo's §8.6 repository, here as the context directory
// "ctx" of a project: its tree is the same, so COPY . takes the same checksum.
var memoContext = map[string]string{
	"ctx/Dockerfile":     "FROM alpine\nCOPY . /app\n",
	"ctx/src/a.go":       "package a\n",
	"ctx/src/b.txt":      "b\n",
	"ctx/src/sub/c.go":   "deep\n",
	"ctx/README.md":      "# readme\n",
	"ctx/app/x":          "x\n",
	"ctx/app/Dockerfile": "FROM alpine\n",
	"ctx/docs/d.md":      "doc\n",
}

func memoRepo(t *testing.T) *gittest.Repo {
	t.Helper()
	r := gittest.New(t)
	r.WriteFiles(memoContext)
	r.Symlink("src/a.go", "ctx/link")
	r.WriteMode("ctx/run.sh", "#!/bin/sh\n", 0o755)
	r.Write("werf.yaml", "configVersion: 1\nproject: memo\n---\nimage: app\ndockerfile: Dockerfile\ncontext: ctx\n")
	r.Commit("memo")
	require.Equal(t, "af0152f16711c228f89431c2a154d11f72558288", r.Git("rev-parse", "HEAD:ctx"))
	return r
}

func calculator(t *testing.T, r *gittest.Repo, opts ...source.Option) (*stages.Calculator, *config.Config) {
	t.Helper()
	s, err := source.Open(r.Dir, opts...)
	require.NoError(t, err)
	cfg, err := config.Load(s, config.Options{})
	require.NoError(t, err)
	return stages.NewCalculator(cfg, s), cfg
}

func TestStageDigestEndToEnd(t *testing.T) {
	r := memoRepo(t)
	calc, cfg := calculator(t, r)
	for platform, want := range map[string]string{
		"linux/amd64": "f9f10884ad413e176dedb3ccd513df4e7c7c44ca15c6f7fce324292a",
		"linux/arm64": "579b28f53b0a3b5d449fedec06eec8e3edcaef7dcb3397901731a9b5",
	} {
		stage, err := calc.Stage(context.Background(), cfg.Image("app"), platform, nil)
		require.NoError(t, err)
		assert.Equal(t, want, stage.Digest, platform)
		assert.Equal(t, []string{"alpine", "COPY . /app", "4fca25ef8f4b399e1fd137f76ad381bb4c68375a2e697f8a43c88f952736ed93"}, stage.Dependencies)
	}
}

// --dev gives the digest werf would compute for the same content committed.
func TestStageDigestDevMode(t *testing.T) {
	r := memoRepo(t)
	committed := digest(t, r)

	r.Write("ctx/new.txt", "new\n")
	calc, cfg := calculator(t, r, source.WithWorktree())
	dev, err := calc.Stage(context.Background(), cfg.Image("app"), "linux/amd64", nil)
	require.NoError(t, err)
	assert.NotEqual(t, committed, dev.Digest, "an untracked file is in the working tree's context")
	assert.Equal(t, committed, digest(t, r), "without --dev the commit decides")

	r.Commit("add new.txt")
	assert.Equal(t, dev.Digest, digest(t, r), "the same content committed has the same digest")

	r.Write(".gitignore", "ctx/ignored.log\n")
	r.Commit("gitignore")
	before := devDigest(t, r)
	r.Write("ctx/ignored.log", "noise")
	assert.Equal(t, before, devDigest(t, r), "ignored files stay out, as git add -A leaves them out")
}

func digest(t *testing.T, r *gittest.Repo) string {
	t.Helper()
	calc, cfg := calculator(t, r)
	s, err := calc.Stage(context.Background(), cfg.Image("app"), "linux/amd64", nil)
	require.NoError(t, err)
	return s.Digest
}

func devDigest(t *testing.T, r *gittest.Repo) string {
	t.Helper()
	calc, cfg := calculator(t, r, source.WithWorktree())
	s, err := calc.Stage(context.Background(), cfg.Image("app"), "linux/amd64", nil)
	require.NoError(t, err)
	return s.Digest
}

type fakeImports map[string]stages.ImportValues

func (f fakeImports) ImportValues(_ context.Context, image, platform string) (stages.ImportValues, error) {
	v, ok := f[image+"@"+platform]
	if !ok {
		return stages.ImportValues{}, errors.New("no stage stored")
	}
	return v, nil
}

// werf-facts.md: ARG BASE_IMAGE=alpine:latest / FROM ${BASE_IMAGE} / RUN echo hello
// with a dependency importing ImageName ubuntu:latest into BASE_IMAGE.
func TestStageDigestWithImports(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml": `configVersion: 1
project: p
---
image: base
dockerfile: base.Dockerfile
---
image: app
dockerfile: Dockerfile
dependencies:
- image: base
  imports:
  - {type: ImageName, targetBuildArg: BASE_IMAGE}
  - {type: ImageID, targetBuildArg: UNUSED}
`,
		"Dockerfile":      "ARG BASE_IMAGE=alpine:latest\n\nFROM ${BASE_IMAGE}\nRUN echo hello\n",
		"base.Dockerfile": "FROM alpine\n",
	})
	calc, cfg := calculator(t, r)
	ctx := context.Background()

	stage, err := calc.Stage(ctx, cfg.Image("app"), "linux/amd64", fakeImports{"base@linux/amd64": {Name: "ubuntu:latest", ID: "sha256:x"}})
	require.NoError(t, err)
	assert.Equal(t, "573c4bd0f7480e27c266d55d3a020c7ec4acaebebf897d29cad78fded3b725c7", stages.Sha256(stage.Dependencies...))
	assert.Equal(t, stages.DockerfileDigest("linux/amd64", "573c4bd0f7480e27c266d55d3a020c7ec4acaebebf897d29cad78fded3b725c7"), stage.Digest)

	_, err = calc.Stage(ctx, cfg.Image("app"), "linux/arm64", fakeImports{"base@linux/amd64": {Name: "ubuntu:latest"}})
	assert.EqualError(t, err, `image "app" (linux/arm64): Dockerfile:1: ARG BASE_IMAGE takes the ImageName of image "base": no stage stored`)

	_, err = calc.Stage(ctx, cfg.Image("app"), "linux/amd64", nil)
	assert.EqualError(t, err, `image "app" (linux/amd64): Dockerfile:1: ARG BASE_IMAGE takes the ImageName of image "base", which exists only once that image's stage is stored in a registry`)

	base, err := calc.Stage(ctx, cfg.Image("base"), "linux/amd64", nil)
	require.NoError(t, err, "an image that imports nothing needs no registry")
	assert.Equal(t, []string{"alpine"}, base.Dependencies)
}

func TestImportValuesGet(t *testing.T) {
	v := stages.ImportValues{Name: "registry.local:5000/app:abc-123", ID: "sha256:id", Digest: "sha256:dg"}
	assert.Equal(t, "registry.local:5000/app:abc-123", v.Get(config.ImageName))
	assert.Equal(t, "registry.local:5000/app", v.Get(config.ImageRepo))
	assert.Equal(t, "abc-123", v.Get(config.ImageTag))
	assert.Equal(t, "sha256:id", v.Get(config.ImageID))
	assert.Equal(t, "sha256:dg", v.Get(config.ImageDigest))
}

func TestStageErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{
			name:  "no Dockerfile",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\ncontext: app\n", "app/x": ""},
			err:   `image "app" (linux/amd64): app/Dockerfile: file does not exist in the HEAD commit`,
		},
		{
			name:  "unparsable Dockerfile",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\n", "Dockerfile": "FROM alpine\nFETCH x\n"},
			err:   `image "app" (linux/amd64): Dockerfile: line 2: unknown instruction: FETCH`,
		},
		{
			name:  "missing COPY source",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\ncontext: app\n", "app/Dockerfile": "FROM alpine\n\nCOPY main.py /app/\n"},
			err:   `image "app" (linux/amd64): app/Dockerfile:3: "main.py" is not in the build context app (commit `,
		},
		{
			name:  "undefined ARG in FROM",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\n", "Dockerfile": "FROM ${NOPE}\n"},
			err:   `image "app" (linux/amd64): Dockerfile:1: FROM ${NOPE}: invalid base image`,
		},
		{
			name:  "unknown target",
			files: map[string]string{"werf.yaml": "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\ntarget: prod\n", "Dockerfile": "FROM alpine AS build\n"},
			err:   `image "app" (linux/amd64): Dockerfile: target "prod" is not a stage of the Dockerfile (its named stages: build)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			r.CommitFiles(tt.files)
			calc, cfg := calculator(t, r)
			_, err := calc.Stage(context.Background(), cfg.Image("app"), "linux/amd64", nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

// A cancelled context stops the digest with context.Canceled, and what it cut
// short is not remembered: the same calculator computes the digest afterwards.
func TestStageCancelled(t *testing.T) {
	r := memoRepo(t)
	calc, cfg := calculator(t, r)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := calc.Stage(ctx, cfg.Image("app"), "linux/amd64", nil)
	require.ErrorIs(t, err, context.Canceled)

	stage, err := calc.Stage(t.Context(), cfg.Image("app"), "linux/amd64", nil)
	require.NoError(t, err)
	assert.Equal(t, "f9f10884ad413e176dedb3ccd513df4e7c7c44ca15c6f7fce324292a", stage.Digest)
}

// A Dockerfile whose ARGs double one another fails at once, naming the image,
// the Dockerfile and the line, rather than keeping BuildKit's lexer busy.
func TestStageDoublingArgs(t *testing.T) {
	dockerfile := "FROM alpine\nARG A0=x\n"
	for i := 1; i <= 16; i++ {
		dockerfile += fmt.Sprintf("ARG A%d=$A%d$A%d\n", i, i-1, i-1)
	}
	dockerfile += "RUN echo $A16 $A16 $A16 $A16\n"
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml":  "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\n",
		"Dockerfile": dockerfile,
	})
	calc, cfg := calculator(t, r)
	_, err := calc.Stage(t.Context(), cfg.Image("app"), "linux/amd64", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `image "app" (linux/amd64): Dockerfile:18: "$A15$A15" would expand its variables into up to 65536 bytes without whitespace`)
}
