package dockerfile_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// hash is werf's dependency hash: SHA-256 of the list joined with ":::".
func hash(deps []string) string {
	sum := sha256.Sum256([]byte(strings.Join(deps, ":::")))
	return hex.EncodeToString(sum[:])
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// imports makes the Import function of a dependency handing out fixed values.
func imports(values map[string]string) (args []string, get func(string) (string, error)) {
	for k := range values {
		args = append(args, k)
	}
	return args, func(arg string) (string, error) { return values[arg], nil }
}

// stubChecksum stands for the context checksum: it names the sources it was asked for.
func stubChecksum(sources []string) (string, error) {
	return "CS[" + strings.Join(sources, ",") + "]", nil
}

const (
	oneRepo = "ONE_REPO"
	oneTag1 = "796e905d0cc975e718b3f8b3ea0199ea4d52668ecc12c4dbf85a136d-1638863657513"
	oneTag2 = "b7aebf280be3fbb7d207d3b659bfc1a49338441ea933c1eac5766a5f-1638863693022"
	oneID1  = "sha256:d19deb06171086017db6aade408ce29592e7490f3b98d4da228ef6c771ddc6d5"
	oneID2  = "sha256:44b14c266507626ec1e3f1eb22fcbd9b935595ead56800f77110fc4e1e95689c"

	imagesJSON = `
FROM alpine:latest

ARG IMAGE_ONE_NAME
ARG IMAGE_ONE_REPO
ARG IMAGE_ONE_TAG
ARG IMAGE_ONE_ID

RUN echo hello
RUN echo {"name": "${IMAGE_ONE_NAME}", "repo": "${IMAGE_ONE_REPO}", "tag": "${IMAGE_ONE_TAG}", "id": "${IMAGE_ONE_ID}"} >> images.json
`
	baseImageArg = `
ARG BASE_IMAGE=alpine:latest

FROM ${BASE_IMAGE}
RUN echo hello
`
)

func oneImports(tag, id string) map[string]string {
	return map[string]string{
		"IMAGE_ONE_NAME": oneRepo + ":" + tag,
		"IMAGE_ONE_REPO": oneRepo,
		"IMAGE_ONE_TAG":  tag,
		"IMAGE_ONE_ID":   id,
	}
}

// Every golden value of werf's pkg/build/stage/full_dockerfile_test.go (v2.77.1), and
// cases computed with werf's own dependency functions (named by the digest memo's
// ids: P, E, AH, M, Q).
func TestDependencies(t *testing.T) {
	tests := []struct {
		name       string
		dockerfile string
		in         dockerfile.Inputs
		imports    map[string]string
		wantDeps   []string
		wantHash   string
	}{
		{
			name:       "werf: plain",
			dockerfile: "\nFROM alpine:latest\nRUN echo hello\n",
			wantDeps:   []string{"alpine:latest", "RUN echo hello"},
			wantHash:   "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae",
		},
		{
			name:       "werf: an import no ARG takes changes nothing",
			dockerfile: "\nFROM alpine:latest\nRUN echo hello\n",
			imports:    map[string]string{"IMAGE_ONE_NAME": oneRepo + ":" + oneTag1},
			wantHash:   "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae",
		},
		{
			name:       "werf: imports into stage ARGs",
			dockerfile: imagesJSON,
			imports:    oneImports(oneTag1, oneID1),
			wantDeps: []string{
				"alpine:latest",
				"ARG IMAGE_ONE_NAME=ONE_REPO:" + oneTag1,
				"ARG IMAGE_ONE_REPO=ONE_REPO",
				"ARG IMAGE_ONE_TAG=" + oneTag1,
				"ARG IMAGE_ONE_ID=" + oneID1,
				"RUN echo hello",
				"RUN echo {name: ONE_REPO:" + oneTag1 + ", repo: ONE_REPO, tag: " + oneTag1 + ", id: " + oneID1 + "} >> images.json",
			},
			wantHash: "b55701cfd33c5931e001e4d8ab24628df571afc7b7f647ca4083dab75aafff4d",
		},
		{
			name:       "werf: another tag",
			dockerfile: imagesJSON,
			imports:    oneImports(oneTag2, oneID1),
			wantHash:   "dac644aa25871d0d902581d9c2a901ef753267082adedc19a3bee23a18cfca17",
		},
		{
			name:       "werf: another ID",
			dockerfile: imagesJSON,
			imports:    oneImports(oneTag2, oneID2),
			wantHash:   "914969761b92ec6a4a6eee5ad33c32c2d2c27b0b15fe4abf4f26c30755378ed4",
		},
		{
			name:       "werf: meta ARG default",
			dockerfile: baseImageArg,
			wantDeps:   []string{"alpine:latest", "RUN echo hello"},
			wantHash:   "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae",
		},
		{
			name:       "werf: meta ARG from an import (ubuntu)",
			dockerfile: baseImageArg,
			imports:    map[string]string{"BASE_IMAGE": "ubuntu:latest"},
			wantDeps:   []string{"ubuntu:latest", "RUN echo hello"},
			wantHash:   "573c4bd0f7480e27c266d55d3a020c7ec4acaebebf897d29cad78fded3b725c7",
		},
		{
			name:       "werf: meta ARG from an import (centos)",
			dockerfile: baseImageArg,
			imports:    map[string]string{"BASE_IMAGE": "centos:latest"},
			wantHash:   "5b66aa2c1c9f0bf3a9089c52f04ddf4e47af055c4d1fe69d272cba24df372121",
		},
		{
			name:       "werf: cacheVersion",
			dockerfile: baseImageArg,
			in:         dockerfile.Inputs{CacheVersion: "image-cache-version"},
			wantDeps:   []string{"alpine:latest", "RUN echo hello", "image-cache-version"},
			wantHash:   "08298d918e51f6572692ca642027870539a71c46beafd403719360928ffe11de",
		},
		{
			name:       "werf: RUN --mount from another stage (first head)",
			dockerfile: runMountFromStage,
			in: dockerfile.Inputs{Checksum: func([]string) (string, error) {
				return sha256hex("9d8059842b6fde712c58315ca0ab4713d90761c0"), nil
			}},
			wantDeps: []string{
				"alpine:latest",
				"RUN --mount=type=bind,from=build,source=/usr/local/test_project/dist,target=/usr/test_project/dist     cp -v /usr/test_project/dist/prog.py /usr/local/bin/prog",
				"alpnie:latest",
				"WORKDIR /usr/local/test_project",
				"COPY . .",
				"fb9adfbac8690a2d1ee4bc4ba29301adfce6d09a76716b0a0d9f96161e972d77",
				"RUN mkdir -p dist &&     cp -v main.py dist/prog.py",
			},
			wantHash: "65d219096bc3718c101995b00584d700de791027f2e2ca00635e428932478a1c",
		},
		{
			name:       "werf: RUN --mount from another stage (second head)",
			dockerfile: runMountFromStage,
			in: dockerfile.Inputs{Checksum: func([]string) (string, error) {
				return sha256hex("23a0884072c0d31b7c42dfaa7f0772cbfa33ec75"), nil
			}},
			wantHash: "beb818f2c49f6501194c72449aff59e80be61b405ef39581b01dbf68da927609",
		},
		{
			name:       "P1: platform args on linux/amd64",
			dockerfile: "FROM alpine\nARG TARGETPLATFORM\nARG TARGETOS\nARG TARGETARCH\nARG TARGETVARIANT\nRUN echo $TARGETPLATFORM $TARGETOS $TARGETARCH $TARGETVARIANT\n",
			in:         dockerfile.Inputs{Platform: "linux/amd64"},
			wantDeps:   []string{"alpine", "ARG TARGETPLATFORM=linux/amd64", "ARG TARGETOS=linux", "ARG TARGETARCH=amd64", "ARG TARGETVARIANT=", "RUN echo linux/amd64 linux amd64 "},
			wantHash:   "81023893d9740200794c6ed78e6e7d6c25b47e0088565aba189cb787042e4bb7",
		},
		{
			name:       "P1: platform args on linux/arm64",
			dockerfile: "FROM alpine\nARG TARGETPLATFORM\nARG TARGETOS\nARG TARGETARCH\nARG TARGETVARIANT\nRUN echo $TARGETPLATFORM $TARGETOS $TARGETARCH $TARGETVARIANT\n",
			in:         dockerfile.Inputs{Platform: "linux/arm64"},
			wantHash:   "f17d563e5af3b0b6785ba019ea82297ede713aef1bc16e41ddcb37ea42d37f66",
		},
		{
			name:       "P1: platform args on linux/arm/v7",
			dockerfile: "FROM alpine\nARG TARGETPLATFORM\nARG TARGETOS\nARG TARGETARCH\nARG TARGETVARIANT\nRUN echo $TARGETPLATFORM $TARGETOS $TARGETARCH $TARGETVARIANT\n",
			in:         dockerfile.Inputs{Platform: "linux/arm/v7"},
			wantHash:   "4f34d9faf0eb55907958053322bfc9345cba7bbb0fca762e7177cc643ac465fe",
		},
		{
			name:       "P2: a valueless meta ARG blanks the platform arg",
			dockerfile: "ARG TARGETARCH\nFROM alpine:${TARGETARCH}\nARG TARGETARCH\nRUN echo $TARGETARCH\n",
			in:         dockerfile.Inputs{Platform: "linux/arm64"},
			wantDeps:   []string{"alpine:", "ARG TARGETARCH=", "RUN echo "},
			wantHash:   "276bcad7bbb8e39d8ed9944748dc2a614898076a8677d672e514732f5d97c674",
		},
		{
			name:       "P2: with a werf.yaml arg",
			dockerfile: "ARG TARGETARCH\nFROM alpine:${TARGETARCH}\nARG TARGETARCH\nRUN echo $TARGETARCH\n",
			in:         dockerfile.Inputs{Platform: "linux/arm64", Args: map[string]string{"TARGETARCH": "zz"}},
			wantDeps:   []string{"alpine:zz", "ARG TARGETARCH=zz", "RUN echo zz"},
			wantHash:   "d3b189cacc93002693f376e0e125735bf1872e4416d6e8c1ad63c536abb2e114",
		},
		{
			name:       "E7: an ARG beats an ENV of the same name",
			dockerfile: "ARG A=1\nFROM alpine\nARG A\nARG B=${A}x\nENV A=env\nRUN echo $A $B\nENV C=$A\n",
			wantDeps:   []string{"alpine", "ARG A=1", "ARG B=1x", "ENV A=env", "RUN echo 1 1x", "ENV C=1"},
			wantHash:   "a80def83aaf5e2190526a592e00dc69c2820a79e140dc2e12c660fc86134a2c1",
		},
		{
			name:       "E7: werf.yaml args",
			dockerfile: "ARG A=1\nFROM alpine\nARG A\nARG B=${A}x\nENV A=env\nRUN echo $A $B\nENV C=$A\n",
			in:         dockerfile.Inputs{Args: map[string]string{"A": "ba", "B": "bb"}},
			wantDeps:   []string{"alpine", "ARG A=ba", "ARG B=bb", "ENV A=env", "RUN echo ba bb", "ENV C=ba"},
			wantHash:   "93a112d4dc72a28656ae4fe78cd028dd83a32457ed40a4cf975c152d64c21f6e",
		},
		{
			name:       "E4: escapes",
			dockerfile: "FROM alpine\nRUN echo C:\\\\foo\\\\bar \"\\$HOME\" \\$HOME\n",
			wantDeps:   []string{"alpine", `RUN echo C:\foo\bar $HOME $HOME`},
			wantHash:   "897f80f0223d7307abad436f722fd5ba037bf65b236c7461ebc4d77193e7f6bf",
		},
		{
			name:       "E5: an escape directive is honoured by the parser only",
			dockerfile: "# escape=`\nFROM alpine\nRUN echo C:\\foo `\n  next\n",
			wantDeps:   []string{"alpine", "RUN echo C:foo   next"},
			wantHash:   "245998969e66790a9b395ab5538b4ff70bca4d7de15ed2ac253c408d22466fb6",
		},
		{
			name:       "AH: addHost opens every stage's list",
			dockerfile: "FROM alpine:latest\nRUN echo hello\n",
			in:         dockerfile.Inputs{AddHost: []string{"myhost:10.0.0.1", "other:1.2.3.4"}},
			wantDeps:   []string{"myhost:10.0.0.1", "other:1.2.3.4", "alpine:latest", "RUN echo hello"},
			wantHash:   "fe9a97a9583521f524473adfc37dfeea695011d0847afd887aaa9eaa26b2fd20",
		},
		{
			name:       "M1: linking, ONBUILD, default target",
			dockerfile: m1,
			in:         dockerfile.Inputs{AddHost: []string{"h:1.1.1.1"}},
			wantDeps: []string{
				"h:1.1.1.1", "scratch", "COPY --from=mid /opt/v /v", "RUN --mount=type=cache,target=/c,from=build echo ",
				"h:1.1.1.1", "build", "RUN echo mid", "h:1.1.1.1", "alpine:3.19", "ARG V=1", "ENV P=/opt", "RUN echo 1 > /opt/v", "RUN echo onbuild $P", "RUN echo onbuild /opt",
				"h:1.1.1.1", "alpine:3.19", "ARG V=1", "ENV P=/opt", "RUN echo 1 > /opt/v", "RUN echo onbuild $P",
			},
			wantHash: "ec61a16783724f68bbcdd7919fefde541ddace9883d176d7cefbc43fd73ba609",
		},
		{
			name:       "M1: target mid",
			dockerfile: m1,
			in:         dockerfile.Inputs{Target: "mid", Args: map[string]string{"V": "2"}},
			wantDeps:   []string{"build", "RUN echo mid", "alpine:3.19", "ARG V=2", "ENV P=/opt", "RUN echo 2 > /opt/v", "RUN echo onbuild $P", "RUN echo onbuild /opt"},
			wantHash:   "bafd0dbe263da535257f84ae15b3c5fbda5ec9f89155b787ed3e5d216723860b",
		},
		{
			name:       "M1: target build, an import beats a werf.yaml arg",
			dockerfile: m1,
			in:         dockerfile.Inputs{Target: "build", Args: map[string]string{"BASE": "ignored"}},
			imports:    map[string]string{"BASE": "reg/x:tag"},
			wantDeps:   []string{"reg/x:tag", "ARG V=1", "ENV P=/opt", "RUN echo 1 > /opt/v", "RUN echo onbuild $P"},
			wantHash:   "37e71e91005868c9a70e198d5e71cbad033ee5fd146800be0c69329714c47deb",
		},
		{
			name:       "Q2: COPY text stays raw, sources expand, ENV pairs split",
			dockerfile: "FROM alpine\nARG SRC=src\nCOPY ${SRC}/*.go [\"$SRC\"] /x/\nENV A=\"x y\" B=z\nENV C $A and $B\n",
			in:         dockerfile.Inputs{Checksum: stubChecksum},
			wantDeps:   []string{"alpine", "ARG SRC=src", `COPY ${SRC}/*.go ["$SRC"] /x/`, "CS[src/*.go,[src]]", "ENV A=x y", "ENV B=z", "ENV C=x y and z"},
		},
		{
			name: "heredocs, JSON, URLs, links by exact name",
			dockerfile: `FROM alpine AS builder
ENV E=envx
ONBUILD RUN echo bar $E
ONBUILD COPY . /onb
COPY <<EOF /etc/x.conf
body is not hashed
EOF
RUN <<EOT
echo not hashed either
EOT
COPY --chown=1:1 ["src dir/", "/app/"]
ADD https://example.com/a.tgz /tmp/

FROM Builder AS mixed
RUN true

FROM builder AS second
COPY --from=builder /a /a
COPY --from=1 /b /b
COPY --from=alpine:3 /c /c
`,
			in: dockerfile.Inputs{Checksum: stubChecksum},
			wantDeps: []string{
				"builder", "COPY --from=builder /a /a", "COPY --from=1 /b /b", "COPY --from=alpine:3 /c /c",
				// FROM builder: the stage and its ONBUILD triggers
				"alpine", "ENV E=envx", "RUN echo bar $E", "COPY . /onb", "COPY <<EOF /etc/x.conf", "CS[]", "RUN <<EOT", `COPY --chown=1:1 ["src dir/", "/app/"]`, "CS[src dir/]", "ADD https://example.com/a.tgz /tmp/", "CS[https://example.com/a.tgz]",
				"RUN echo bar envx", "COPY . /onb", "CS[.]",
				// COPY --from=builder
				"alpine", "ENV E=envx", "RUN echo bar $E", "COPY . /onb", "COPY <<EOF /etc/x.conf", "CS[]", "RUN <<EOT", `COPY --chown=1:1 ["src dir/", "/app/"]`, "CS[src dir/]", "ADD https://example.com/a.tgz /tmp/", "CS[https://example.com/a.tgz]",
				// COPY --from=1: FROM Builder is not linked to builder
				"Builder", "RUN true",
			},
		},
		{
			name:       "RUN --security is accepted as werf's build accepts it",
			dockerfile: "FROM alpine\nRUN --security=insecure --network=none echo $HOME\n",
			wantDeps:   []string{"alpine", "RUN --security=insecure --network=none echo "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dockerfile.Parse("Dockerfile", []byte(tt.dockerfile))
			require.NoError(t, err)
			in := tt.in
			if tt.imports != nil {
				in.ImportArgs, in.Import = imports(tt.imports)
			}
			deps, err := d.Dependencies(t.Context(), in)
			require.NoError(t, err)
			if tt.wantDeps != nil {
				assert.Equal(t, tt.wantDeps, deps)
			}
			if tt.wantHash != "" {
				assert.Equal(t, tt.wantHash, hash(deps))
			}
		})
	}
}

// runMountFromStage is werf's test of RUN --mount from another stage.
const runMountFromStage = `
FROM alpnie:latest AS build
WORKDIR /usr/local/test_project
COPY . .
RUN mkdir -p dist && \
    cp -v main.py dist/prog.py

FROM alpine:latest
RUN --mount=type=bind,from=build,source=/usr/local/test_project/dist,target=/usr/test_project/dist \
    cp -v /usr/test_project/dist/prog.py /usr/local/bin/prog
`

const m1 = `ARG BASE=alpine:3.19
FROM ${BASE} AS build
ARG V=1
ENV P=/opt
RUN echo $V > $P/v
ONBUILD RUN echo onbuild $P

FROM build AS mid
RUN echo mid

FROM scratch AS final
COPY --from=mid /opt/v /v
RUN --mount=type=cache,target=/c,from=build echo $HOME
`

// Imports are asked for only when an ARG takes them, so an image whose Dockerfile
// does not use an import needs no registry to be addressed.
func TestImportsAreFetchedOnlyWhenUsed(t *testing.T) {
	d, err := dockerfile.Parse("Dockerfile", []byte("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nARG TOOLS\nRUN true\n"))
	require.NoError(t, err)
	var asked []string
	deps, err := d.Dependencies(t.Context(), dockerfile.Inputs{
		ImportArgs: []string{"BASE_IMAGE", "UNUSED", "TOOLS"},
		Import: func(arg string) (string, error) {
			asked = append(asked, arg)
			return "value-of-" + arg, nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"BASE_IMAGE", "TOOLS"}, asked)
	assert.Equal(t, []string{"value-of-BASE_IMAGE", "ARG TOOLS=value-of-TOOLS", "RUN true"}, deps)

	_, err = d.Dependencies(t.Context(), dockerfile.Inputs{ImportArgs: []string{"BASE_IMAGE"}, Import: func(string) (string, error) {
		return "", fmt.Errorf("base: no stage in the registry yet")
	}})
	assert.EqualError(t, err, "Dockerfile:1: base: no stage in the registry yet")
}

func TestDependenciesErrors(t *testing.T) {
	tests := []struct {
		name       string
		dockerfile string
		in         dockerfile.Inputs
		err        string
	}{
		{
			name:       "undefined ARG in FROM",
			dockerfile: "ARG BASE_NAME=alpine:latest\nFROM ${BASE_NAME1}\nRUN echo hello\n",
			err:        "Dockerfile:2: FROM ${BASE_NAME1}: invalid base image: the base image name expands to nothing (is its ARG declared before the first FROM and given a value?)",
		},
		{
			name:       "unknown target",
			dockerfile: "FROM alpine AS build\nFROM build AS app\n",
			in:         dockerfile.Inputs{Target: "Build"},
			err:        `Dockerfile: target "Build" is not a stage of the Dockerfile: stage names are lower case, use target "build"`,
		},
		{
			name:       "unbalanced quote",
			dockerfile: "FROM alpine\n\nRUN echo it's here\n",
			err:        `Dockerfile:3: failed to process "RUN echo it's here": unexpected end of statement while looking for matching single-quote`,
		},
		{
			name:       "required variable",
			dockerfile: "FROM alpine\nRUN echo ${X:?must be set}\n",
			err:        `Dockerfile:2: failed to process "RUN echo ${X:?must be set}": X: must be set`,
		},
		{
			name:       "empty trim pattern",
			dockerfile: "FROM alpine\nARG A=x\nRUN echo ${A#}\n",
			err:        `Dockerfile:3: BuildKit's lexer failed on "RUN echo ${A#}": runtime error: index out of range [0] with length 0`,
		},
		{
			name:       "quoted COPY source",
			dockerfile: "FROM alpine\nCOPY \"a b\" /x\n",
			in:         dockerfile.Inputs{Checksum: stubChecksum},
			err:        `Dockerfile:2: failed to process "\"a": unexpected end of statement while looking for matching double-quote`,
		},
		{
			name:       "no import values",
			dockerfile: "ARG BASE\nFROM ${BASE}\n",
			in:         dockerfile.Inputs{ImportArgs: []string{"BASE"}},
			err:        "Dockerfile:1: ARG BASE takes a dependency import, and no import values are available",
		},
		{
			name:       "COPY without a context",
			dockerfile: "FROM alpine\nCOPY . /\n",
			err:        "Dockerfile:2: no build context to checksum COPY/ADD sources against",
		},
		{
			name:       "bad platform",
			dockerfile: "FROM alpine\n",
			in:         dockerfile.Inputs{Platform: "linux/amd64/v2/x"},
			err:        `target platform "linux/amd64/v2/x"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := dockerfile.Parse("Dockerfile", []byte(tt.dockerfile))
			require.NoError(t, err)
			_, err = d.Dependencies(t.Context(), tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, dockerfile, err string
	}{
		{"empty", "", "Dockerfile: file with no instructions"},
		{"no FROM", "# just a comment\nARG A=1\n", "Dockerfile: no FROM instruction"},
		{"instruction before FROM", "RUN echo\nFROM alpine\n", "Dockerfile: line 1: no build stage in current context"},
		{"unknown instruction", "FROM alpine\nFETCH x\n", "Dockerfile: line 2: unknown instruction: FETCH"},
		{"unknown flag", "FROM alpine\nCOPY --exclude=x . /\n", "Dockerfile: line 2: unknown flag: exclude"},
		{"bad stage name", "FROM alpine AS 1st\n", "Dockerfile: line 1: invalid name for build stage"},
		{"ONBUILD ONBUILD", "FROM alpine\nONBUILD ONBUILD RUN x\n", "Dockerfile: line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dockerfile.Parse("Dockerfile", []byte(tt.dockerfile))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
