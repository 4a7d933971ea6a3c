package staged

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
)

// depsOf is the list of strings step i of img hashes.
func depsOf(t *testing.T, img *Image, i int, in Inputs) []string {
	t.Helper()
	args, err := img.dependencies(img.Steps[i], in)
	require.NoError(t, err)
	return args
}

func names(images []*Image) []string {
	var r []string
	for _, img := range images {
		r = append(r, img.Name)
	}
	return r
}

const multiStage = `FROM alpine AS base
RUN echo base
FROM base AS build
RUN make
FROM alpine
RUN echo tools
FROM alpine
RUN echo unreachable
FROM base
COPY --from=build /out /out
COPY --from=2 /t /t
RUN --mount=type=bind,from=build,target=/b --mount=type=bind,from=nginx:1.25,target=/n true
`

func TestMapStagesNamesAndOrder(t *testing.T) {
	tests := []struct {
		name, target string
		want         []string
	}{
		{"last stage", "", []string{"app/stage/base", "app/stage/build", "app/stage2", "app"}},
		{"named target", "build", []string{"app/stage/base", "app"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images, err := Map([]byte(multiStage), MapOptions{Image: "app", Target: tt.target})
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(images))
			last := images[len(images)-1]
			assert.True(t, last.Target)
			for _, img := range images[:len(images)-1] {
				assert.False(t, img.Target)
			}
		})
	}

	images, err := Map([]byte(multiStage), MapOptions{Image: "app"})
	require.NoError(t, err)
	base, build, app := images[0], images[1], images[3]
	assert.Equal(t, "alpine", base.BaseRef)
	assert.Equal(t, "app/stage/base", build.BaseImage)
	assert.Empty(t, build.BaseRef)
	assert.Equal(t, "app/stage/base", app.BaseImage)
	require.Len(t, app.Steps, 3)
	assert.Equal(t, map[string]string{"build": "app/stage/build"}, app.Steps[0].StageRefs)
	assert.Equal(t, map[string]string{"2": "app/stage2"}, app.Steps[1].StageRefs)
	assert.Equal(t, map[string]string{"build": "app/stage/build"}, app.Steps[2].StageRefs, "an image is no stage")
	assert.Len(t, app.Commands, 3)
	assert.Equal(t, '\\', app.Escape)

	// Two unnamed stages are two images (werf would call both "<image>/stage0").
	images, err = Map([]byte("FROM alpine:3.19\nRUN echo zero\nFROM alpine:3.19\nRUN echo one\nFROM alpine:3.19\nCOPY --from=0 /a /a\nCOPY --from=1 /b /b\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{"app/stage0", "app/stage1", "app"}, names(images))
	assert.Equal(t, "app/stage1", images[2].Steps[1].StageRefs["1"])

	// A named stage referenced by index, a stage name in any case.
	images, err = Map([]byte("FROM alpine AS Base\nFROM alpine\nCOPY --from=0 /a /a\nCOPY --from=BASE /b /b\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{"app/stage/base", "app"}, names(images))
	assert.Equal(t, map[string]string{"BASE": "app/stage/base"}, images[1].Steps[1].StageRefs)
}

// A stage reached at several BFS levels is built at its deepest.
func TestMapOrderDeepestLevel(t *testing.T) {
	const dockerfile = `FROM alpine AS a
FROM a AS b
FROM alpine AS c
COPY --from=b /x /x
FROM c
COPY --from=a /y /y
`
	images, err := Map([]byte(dockerfile), MapOptions{Image: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{"app/stage/a", "app/stage/b", "app/stage/c", "app"}, names(images))
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		name, dockerfile, target string
		err                      string
	}{
		{"unknown target", "FROM a AS build\nFROM b AS final\n", "test", `Dockerfile: werf image "app": target "test" is not a stage of the Dockerfile (its named stages: build, final)`},
		{"target in upper case", "FROM a AS build\n", "Build", `stage names are lower case, use target "build"`},
		{"COPY heredoc", "FROM a\nCOPY <<EOF /x\nhello\nEOF\n", "", `Dockerfile:2: werf image "app": unsupported COPY "COPY <<EOF /x": heredoc is not supported with COPY command`},
		{"COPY heredoc after a flag", "FROM a\nCOPY --chmod=755 <<EOF /x\nhello\nEOF\n", "", "heredoc is not supported with COPY command"},
		{"ADD heredoc", "FROM a\nADD <<EOF /x\nhello\nEOF\n", "", "heredoc is not supported with ADD command"},
		{"COPY --parents", "FROM a\nCOPY --parents a /b\n", "", "Dockerfile:2: unknown flag: parents"},
		{"COPY --exclude", "FROM a\nCOPY --exclude=x a /b\n", "", "Dockerfile:2: unknown flag: exclude"},
		{"CMD --help", "FROM a\nCMD --help\n", "", "unknown flag: help"},
		{"RUN --security invalid", "FROM a\nRUN --security=root true\n", "", `Dockerfile:2: werf image "app": security "root" is not valid`},
		{"RUN --security without value", "FROM a\nRUN --security true\n", "", "missing a value on flag: security"},
		{"RUN --network invalid", "FROM a\nRUN --network=bridge true\n", "", `invalid network mode "bridge"`},
		{"mount from with a variable", "FROM a\nRUN --mount=from=$X,target=/x true\n", "", "'from' doesn't support variable expansion"},
		{"no FROM", "ARG A\n", "", "no FROM instruction"},
		{"instruction before FROM", "RUN x\nFROM a\n", "", "Dockerfile:1: RUN before the first FROM"},
		{"empty base", "ARG B=\nFROM ${B}\n", "", `Dockerfile:2: werf image "app": FROM ${B} expands to an empty string`},
		{"bad expansion", "FROM a\nENV X=${Y\n", "", `unable to expand instruction "ENV"`},
		{"error in an unreached stage", "FROM a\nCOPY <<EOF /x\nEOF\nFROM b\n", "", "heredoc is not supported"},
		{"duplicate stage name", "FROM a AS x\nFROM b AS x\n", "", `Dockerfile:2: werf image "app": duplicate stage name "x": the stage on line 1 has it already`},
		{"FROM itself", "FROM x AS x\n", "", `Dockerfile:1: werf image "app": stage "x" needs itself`},
		{"COPY from itself", "FROM a\nCOPY --from=0 /a /b\n", "", "stage #0 needs itself"},
		{"cycle", "FROM b AS a\nFROM a AS b\nFROM b\n", "", "needs itself"},
		{"bad platform", "FROM a\n", "", `target platform "linux/amd64/v1/x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := MapOptions{Image: "app", Path: "Dockerfile", Target: tt.target}
			if tt.name == "bad platform" {
				o.Platform = "linux/amd64/v1/x"
			}
			_, err := Map([]byte(tt.dockerfile), o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
	_, err := Map([]byte("FROM a\n"), MapOptions{})
	require.Error(t, err)
}

// What each instruction hashes (§4.4).
func TestStepDependencyLists(t *testing.T) {
	in := Inputs{BaseEnv: []string{"PATH=/bin", "HOME=/root"}}
	tests := []struct {
		name, instruction string
		want              []string
	}{
		// §3.5: quotes and backslashes go twice.
		{"ENV double expansion", `ENV Y=a\\b Z='$HOME' W="\$HOME"`, []string{"Env", "Y", "ab", "Z", "/root", "W", "/root"}},
		{"LABEL", `LABEL a=1 "b c"="$HOME"`, []string{"Labels", "a", "1", "b c", "/root"}},
		{"EXPOSE drops an empty port", "EXPOSE $UNSET 80", []string{"Ports", "80"}},
		{"EXPOSE sorted before expansion", "EXPOSE 8080 443/tcp", []string{"Ports", "443/tcp", "8080"}},
		{"VOLUME", `VOLUME ["/data", "$HOME/x"]`, []string{"Volumes", "/data", "/root/x"}},
		{"USER", "USER ${HOME}:1", []string{"User", "/root:1"}},
		{"WORKDIR not resolved", "WORKDIR rel/$HOME", []string{"Path", "rel//root"}},
		{"SHELL", `SHELL ["/bin/bash", "-c"]`, []string{"Shell", "/bin/bash", "-c"}},
		{"STOPSIGNAL", "STOPSIGNAL SIGKILL", []string{"Signal", "SIGKILL"}},
		{"HEALTHCHECK NONE", "HEALTHCHECK NONE", []string{"Test", "NONE", "Interval", "0s", "Timeout", "0s", "StartPeriod", "0s", "Retries", "0"}},
		{"HEALTHCHECK shell", "HEALTHCHECK --interval=1m30s --timeout=5s --start-period=2s --start-interval=1s --retries=3 CMD curl -f $HOME",
			[]string{"Test", "CMD-SHELL", "curl -f $HOME", "Interval", "1m30s", "Timeout", "5s", "StartPeriod", "2s", "Retries", "3"}},
		{"HEALTHCHECK json", `HEALTHCHECK CMD ["true"]`, []string{"Test", "CMD", "true", "Interval", "0s", "Timeout", "0s", "StartPeriod", "0s", "Retries", "0"}},
		{"ENTRYPOINT []", "ENTRYPOINT []", []string{"Entrypoint", "PrependShell", "false"}},
		{"ENTRYPOINT shell", "ENTRYPOINT exec  $HOME", []string{"Entrypoint", "exec  $HOME", "PrependShell", "true"}},
		{"CMD []", "CMD []", []string{"Cmd", "PrependShell", "false"}},
		{"ONBUILD", "ONBUILD RUN echo a \\\n  b", []string{"Expression", "RUN echo a   b"}},
		{"MAINTAINER", "MAINTAINER me <me@example.com>", []string{"Maintainer", "me <me@example.com>"}},
		{"RUN shell", "RUN echo $HOME", []string{"Env", "HOME=/root", "PATH=/bin", "Command", "echo $HOME", "PrependShell", "true", "Network", "default", "Security", "sandbox"}},
		{"RUN flags", `RUN --network=none --security=insecure ["echo", "$HOME"]`, []string{"Env", "HOME=/root", "PATH=/bin", "Command", "echo", "$HOME", "PrependShell", "false", "Network", "none", "Security", "insecure"}},
		{"RUN heredoc body not hashed", "RUN <<EOT\necho $HOME\nEOT", []string{"Env", "HOME=/root", "PATH=/bin", "Command", "<<EOT", "PrependShell", "true", "Network", "default", "Security", "sandbox"}},
		{"RUN mounts", "RUN --mount=type=cache,target=/c,id=$HOME,sharing=locked,mode=0755,uid=1,gid=2 --mount=type=secret,id=s,required --mount=type=tmpfs,target=/t,size=10m --mount=type=ssh true",
			[]string{"Env", "HOME=/root", "PATH=/bin", "Command", "true", "PrependShell", "true", "Network", "default", "Security", "sandbox", "Mounts",
				"Type", "cache", "From", "", "Source", "", "Target", "/c", "ReadOnly", "false", "CacheID", "/root", "CacheSharing", "locked", "Required", "false", "Mode", "493", "UID", "1", "GID", "2",
				"Type", "secret", "From", "", "Source", "", "Target", "", "ReadOnly", "true", "CacheID", "s", "CacheSharing", "", "Required", "true",
				"Type", "tmpfs", "From", "", "Source", "", "Target", "/t", "ReadOnly", "false", "CacheID", "", "CacheSharing", "", "Required", "false",
				"Type", "ssh", "From", "", "Source", "", "Target", "", "ReadOnly", "true", "CacheID", "", "CacheSharing", "", "Required", "false"}},
		{"COPY chmod not expanded", "COPY --from=img:1 --chmod=$M --chown=$HOME src /dst/$HOME", []string{"From", "img:1", "Sources", "src", "Dest", "/dst//root", "Chown", "/root", "Chmod", "$M", "ExpandedFrom", "img:1"}},
		{"ADD URL only", "ADD --link --checksum=sha256:x https://example.com/a.tgz /a", []string{"Sources", "https://example.com/a.tgz", "Dest", "/a", "Chown", "", "Chmod", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _ := onlyStep(t, "FROM alpine\n"+tt.instruction+"\n")
			assert.Equal(t, tt.want, depsOf(t, img, 0, in))
		})
	}
}

func TestStepNameAsWritten(t *testing.T) {
	images, err := Map([]byte("from alpine\nArg B=1\nRun echo $B\ncopy a b\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	require.Len(t, images[0].Steps, 2, "ARG is no step")
	assert.Equal(t, "Run", images[0].Steps[0].Name)
	assert.Equal(t, 1, images[0].Steps[0].Index)
	assert.Equal(t, "copy", images[0].Steps[1].Name)
	assert.Len(t, images[0].Commands, 3)

	in := Inputs{checksum: stubContext{}}
	deps, err := images[0].StepDependencies(0, in)
	require.NoError(t, err)
	d1, err := images[0].StepDigest(0, "prev", in)
	require.NoError(t, err)
	assert.NotEqual(t, stages.StageDigest("", "RUN", deps, "prev", ""), d1)
}

// ARG and ENV values (§3.2, §3.3, §3.7) as RUN sees them.
func TestArgsAndEnv(t *testing.T) {
	const dockerfile = `ARG META=m1
ARG UNDECLARED
ARG FROMARGS=default
ARG CHAIN=${META}-x
FROM alpine
ARG META
ARG FROMARGS
ARG CHAIN
ARG TARGETARCH
ARG OWN=$META-own
ARG NOVALUE
ARG DEP
ENV E1=$META E2=${DEP} E3=$UNSET
RUN true
ENV SEEN=$E1
`
	images, err := Map([]byte(dockerfile), MapOptions{
		Image: "app", Platform: "linux/arm64",
		Args:       map[string]string{"FROMARGS": "werf"},
		ImportArgs: []string{"DEP"},
	})
	require.NoError(t, err)
	img := images[0]
	require.Len(t, img.MetaArgs, 4)
	assert.Equal(t, "${META}-x", *img.MetaArgs[3].Args[0].Value, "meta ARGs as parsed")
	in := Inputs{BaseEnv: []string{"PATH=/bin"}, DependencyArgs: map[string]string{"DEP": "d", "OTHER": "o"}}

	assert.Equal(t, map[string]string{
		"META": "m1", "FROMARGS": "werf", "CHAIN": "m1-x", "TARGETARCH": "arm64", "OWN": "m1-own",
		"E1": "m1", "E2": "${DEP}", "E3": "$UNSET",
	}, img.Steps[1].env, "RUN's snapshot (1st stage): NOVALUE is not set, DEP is left to the imports")

	run := depsOf(t, img, 1, in)
	assert.Equal(t, []string{"Env",
		"CHAIN=m1-x", "DEP=d", "E1=m1", "E2=", "E3=", "FROMARGS=werf", "META=m1", "OTHER=o", "OWN=m1-own", "PATH=/bin", "TARGETARCH=arm64",
	}, run[:12], "a snapshot value naming an import expands to nothing; the imports are all there")

	assert.Equal(t, []string{"Env", "E1", "m1", "E2", "d", "E3", ""}, depsOf(t, img, 0, in), "the ENV itself sees the imports")
	assert.Equal(t, []string{"Env", "SEEN", "m1"}, depsOf(t, img, 2, in))

	// Base env over the default PATH; the stage's own env over the base.
	images, err = Map([]byte("FROM a\nENV HOME=/h\nRUN true\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Env", "HOME=/h", "PATH=" + defaultPath, "X="},
		depsOf(t, images[0], 1, Inputs{BaseEnv: []string{"HOME=/root", "X"}})[:4])
}

// RUN --mount from= a stage takes its last image's name; werf's bug hashes the
// sources of every bind mount once one takes the context (§4.4).
func TestRunMountFromStage(t *testing.T) {
	images, err := Map([]byte("FROM alpine AS os\nFROM alpine\nRUN --mount=type=bind,from=os,source=/apk,target=/apk --mount=type=bind,from=alpine:3.19,target=/a true\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	require.Equal(t, []string{"app/stage/os", "app"}, names(images))
	img := images[1]
	last := "ghcr.io/werf/instruction-test:a71052baf9c6ace8171e59a2ae5ea1aede3fb89aa95d160ec354b205-1661868399091"
	in := Inputs{LastImageName: func(image string) (string, error) {
		require.Equal(t, "app/stage/os", image)
		return last, nil
	}}
	deps := depsOf(t, img, 0, in)
	assert.Equal(t, []string{"Type", "bind", "From", last, "Source", "/apk"}, deps[11:17])
	assert.Equal(t, []string{"Type", "bind", "From", "alpine:3.19", "Source", ""}, deps[27:33])
	assert.NotContains(t, deps, "SourcesChecksum", "no mount takes the context")

	d1, err := img.StepDependencies(0, in)
	require.NoError(t, err)
	again, err := img.StepDependencies(0, in)
	require.NoError(t, err)
	assert.Equal(t, d1, again, "a digest can be computed again")
	in.LastImageName = func(string) (string, error) {
		return "ghcr.io/werf/instruction-test:4930d562bfbee9c931413c826137d49eff6a2e7d39519c1c9488a747-1655913653892", nil
	}
	d2, err := img.StepDependencies(0, in)
	require.NoError(t, err)
	assert.NotEqual(t, d1, d2)

	// A context bind mount turns the rule on: from's source is looked up in the context.
	images, err = Map([]byte("FROM alpine AS os\nFROM alpine\nRUN --mount=type=bind,from=os,source=/apk,target=/apk --mount=target=/ctx --mount=source=src,target=/src true\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	var asked []string
	in = Inputs{
		LastImageName: func(string) (string, error) { return last, nil },
		checksum:      recordingContext{&asked},
	}
	deps = depsOf(t, images[1], 0, in)
	assert.Equal(t, []string{"/apk", "src"}, asked)
	assert.Equal(t, "SourcesChecksum", deps[len(deps)-2])

	_, err = images[1].StepDependencies(0, Inputs{checksum: recordingContext{&asked}})
	require.ErrorContains(t, err, `Dockerfile:3: werf image "app": RUN: --mount from=os: the name of werf image "app/stage/os"'s last stage is needed`)
}

type recordingContext struct{ asked *[]string }

func (r recordingContext) globs(globs []string) (string, error) {
	*r.asked = append(*r.asked, globs...)
	return "globs", nil
}

func (r recordingContext) paths(paths []string) (string, error) {
	*r.asked = append(*r.asked, paths...)
	return "paths", nil
}

func TestCopyFromStage(t *testing.T) {
	images, err := Map([]byte("FROM alpine AS base\nFROM alpine\nCOPY --from=Base /a /b\nCOPY x* /c\nADD https://e.com/x y /d\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	img := images[1]
	var asked []string
	in := Inputs{
		LastImageName: func(string) (string, error) { return "r:d-1", nil },
		checksum:      recordingContext{&asked},
	}
	assert.Equal(t, []string{"From", "Base", "Sources", "/a", "Dest", "/b", "Chown", "", "Chmod", "", "ExpandedFrom", "r:d-1"}, depsOf(t, img, 0, in))
	assert.Equal(t, []string{"From", "", "Sources", "x*", "Dest", "/c", "Chown", "", "Chmod", "", "ExpandedFrom", "", "SourcesChecksum", "globs"}, depsOf(t, img, 1, in))
	assert.Equal(t, []string{"Sources", "https://e.com/x", "y", "Dest", "/d", "Chown", "", "Chmod", "", "SourcesChecksum", "globs"}, depsOf(t, img, 2, in))
	assert.Equal(t, []string{"x*", "y"}, asked)

	_, err = img.StepDependencies(1, Inputs{})
	require.ErrorContains(t, err, `Dockerfile:4: werf image "app": COPY: unable to calculate build context globs checksum: the build context is needed`)
	_, err = img.StepDependencies(3, Inputs{})
	require.ErrorContains(t, err, "has no step 3")
}

func TestEscapeDirective(t *testing.T) {
	images, err := Map([]byte("# escape=`\nFROM alpine\nENV A=x`$HOME B=c:\\dir\n"), MapOptions{Image: "app"})
	require.NoError(t, err)
	assert.Equal(t, '`', images[0].Escape)
	assert.Equal(t, []string{"Env", "A", "x/root", "B", "c:\\dir"}, depsOf(t, images[0], 0, Inputs{BaseEnv: []string{"HOME=/root"}}))
}

// A RUN heredoc's body is not hashed (§4.4): editing it keeps the digest.
func TestRunHeredocBody(t *testing.T) {
	var digests []string
	for _, body := range []string{"echo one", "echo two"} {
		img, step := onlyStep(t, "FROM alpine\nRUN <<EOT\n"+body+"\nEOT\n")
		require.Len(t, step.Node.Heredocs, 1)
		assert.Contains(t, step.Node.Heredocs[0].Content, body, "the body is there for the executor")
		d, err := img.StepDigest(0, "prev", Inputs{})
		require.NoError(t, err)
		digests = append(digests, d)
	}
	assert.Equal(t, digests[0], digests[1])
}
