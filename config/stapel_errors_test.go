package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// stapelErrorCases are malformed Stapel documents, each with the one error it
// gets: the file, line, image and key, and what is wrong. The document starts
// at line 4, after meta.
var stapelErrorCases = []struct {
	name   string
	config string
	gt     string // werf-giterminism.yaml
	err    string
}{
	// keys and types
	{
		name:   "unknown key",
		config: meta + "image: app\nfrom: alpine\nfromm: x\n",
		err:    "werf.yaml:6 (document 2): image \"app\": unknown key \"fromm\"; did you mean \"from\"?\n  6 | fromm: x",
	},
	{
		name:   "unknown key in a git mapping",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  incldePaths: [a]\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0]: unknown key \"incldePaths\"; did you mean \"includePaths\"?",
	},
	{
		name:   "dockerfile key in a Stapel image",
		config: meta + "image: app\nfrom: alpine\ncontext: .\n",
		err:    "werf.yaml:6 (document 2): image \"app\": unknown key \"context\"",
	},
	{
		name:   "a boolean that is not",
		config: meta + "image: app\nfrom: alpine\nfromLatest: maybe\n",
		err:    "werf.yaml:6 (document 2): image \"app\": fromLatest: expected true or false, got \"maybe\"",
	},
	{
		name:   "a number as a shell command",
		config: meta + "image: app\nfrom: alpine\nshell:\n  install: [1]\n",
		err:    "werf.yaml:7 (document 2): image \"app\": shell.install[0]: expected a string, got a number (1): quote it",
	},
	{
		name:   "a YAML 1.1 boolean as a path",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  includePaths: [yes]\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0].includePaths[0]: expected a string, got a boolean (yes): quote it",
	},
	{
		name:   "git as a mapping",
		config: meta + "image: app\nfrom: alpine\ngit: {to: /app}\n",
		err:    "werf.yaml:6 (document 2): image \"app\": git: expected a list, got a mapping",
	},
	{
		name:   "CMD as a mapping",
		config: meta + "image: app\nfrom: alpine\ndocker:\n  CMD: {a: b}\n",
		err:    "werf.yaml:7 (document 2): image \"app\": docker.CMD: expected a string or a list of strings, got a mapping",
	},
	{
		name:   "a staged Stapel image",
		config: meta + "image: app\nfrom: alpine\nstaged: true\n",
		err:    "image \"app\": unknown key \"staged\"",
	},

	// the document and its base
	{
		name:   "image and artifact",
		config: meta + "image: app\nartifact: app\nfrom: alpine\n",
		err:    "werf.yaml:5 (document 2): image \"app\": artifact: a document declares an image or an artifact, not both: remove image or artifact",
	},
	{
		name:   "an empty artifact name",
		config: meta + "artifact: \"\"\nfrom: alpine\n",
		err:    "werf.yaml:4 (document 2): set a non-empty name: image: NAME (or ~ for the nameless image), or the legacy artifact: NAME",
	},
	{
		name:   "no base",
		config: meta + "image: app\nshell: {install: [echo]}\n",
		err:    "werf.yaml:4 (document 2): image \"app\": from: the base image is required: from (a registry image, or scratch), or fromImage (an image of werf.yaml)",
	},
	{
		name:   "from and fromImage",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nfromImage: base\n",
		err:    "werf.yaml:9 (document 3): image \"app\": fromImage: set one of from, fromImage and fromArtifact: from is already set\n  9 | fromImage: base",
	},
	{
		name:   "fromImage and fromArtifact",
		config: meta + "artifact: base\nfrom: alpine\n---\nimage: app\nfromImage: base\nfromArtifact: base\n",
		err:    "werf.yaml:9 (document 3): image \"app\": fromArtifact: set one of from, fromImage and fromArtifact: fromImage is already set",
	},
	{
		name:   "built from itself",
		config: meta + "image: app\nfromImage: app\n",
		err:    "werf.yaml:5 (document 2): image \"app\": fromImage: an image cannot be built from itself",
	},
	{
		name:   "one name of a list built from another",
		config: meta + "image: [a, b]\nfromImage: b\n",
		err:    "image \"b\": fromImage: an image cannot be built from itself",
	},
	{
		name:   "nameless beside another final image",
		config: meta + "image: ~\nfrom: alpine\n---\nimage: app\nfrom: alpine\n",
		err:    "werf.yaml:4 (document 2): image \"~\": the nameless image (~) must be the only image in werf.yaml: give it a name",
	},
	{
		name:   "shell and ansible",
		config: meta + "image: app\nfrom: alpine\nshell: {install: [echo]}\nansible: {install: [{shell: echo}]}\n",
		err:    "werf.yaml:7 (document 2): image \"app\": ansible: an image takes shell or ansible, not both",
	},
	{
		name:   "docker and imageSpec",
		config: meta + "image: app\nfrom: alpine\ndocker: {WORKDIR: /app}\nimageSpec: {config: {workingDir: /app}}\n",
		err:    "werf.yaml:6 (document 2): image \"app\": docker: the deprecated docker section cannot be used along with imageSpec: move its instructions into imageSpec.config",
	},
	{
		name:   "fromLatest without giterminism",
		config: meta + "image: app\nfrom: alpine\nfromLatest: true\n",
		err:    "werf.yaml:6 (document 2): image \"app\": fromLatest: not allowed by werf-giterminism.yaml (config.stapel.allowFromLatest)",
	},

	// artifacts
	{
		name:   "an artifact with docker",
		config: meta + "artifact: a\nfrom: alpine\ndocker: {WORKDIR: /}\n",
		err:    "werf.yaml:6 (document 2): image \"a\": docker: is not supported in an artifact; declare it as image: with final: false instead",
	},
	{
		name:   "an artifact with final",
		config: meta + "artifact: a\nfrom: alpine\nfinal: false\n",
		err:    "werf.yaml:6 (document 2): image \"a\": final: is not supported in an artifact",
	},
	{
		name:   "an artifact with disableGitAfterPatch",
		config: meta + "artifact: a\nfrom: alpine\ndisableGitAfterPatch: true\n",
		err:    "werf.yaml:6 (document 2): image \"a\": disableGitAfterPatch: is not supported in an artifact",
	},
	{
		name:   "an artifact with dependencies",
		config: meta + "image: b\nfrom: alpine\n---\nartifact: a\nfrom: alpine\ndependencies: [{image: b, before: install}]\n",
		err:    "werf.yaml:9 (document 3): image \"a\": dependencies: are not supported in an artifact",
	},
	{
		name:   "a dependency on an artifact",
		config: meta + "artifact: a\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: a\n  before: install\n",
		err:    "werf.yaml:10 (document 3): image \"app\": dependencies[0].image: artifact \"a\" cannot be a dependency (werf checks a dependency's platforms, and an artifact has none): declare it as image: with final: false\n  10 | - image: a",
	},

	// names of other images
	{
		name:   "unknown fromImage",
		config: meta + "image: app\nfromImage: alpine\n",
		err:    "werf.yaml:5 (document 2): image \"app\": fromImage: image \"alpine\" is not declared in werf.yaml; for a registry image use from\n  5 | fromImage: alpine",
	},
	{
		name:   "unknown fromImage with a suggestion",
		config: meta + "image: builder/alpine\nfrom: alpine\n---\nimage: app\nfromImage: builder/alpnie\n",
		err:    "werf.yaml:8 (document 3): image \"app\": fromImage: image \"builder/alpnie\" is not declared in werf.yaml; did you mean \"builder/alpine\"?",
	},
	{
		name:   "unknown fromArtifact",
		config: meta + "image: app\nfromArtifact: assets\n",
		err:    "werf.yaml:5 (document 2): image \"app\": fromArtifact: image \"assets\" is not declared in werf.yaml",
	},
	{
		name:   "unknown import source",
		config: meta + "image: app\nfrom: alpine\nimport:\n- image: tools\n  add: /bin/x\n  after: install\n",
		err:    "werf.yaml:7 (document 2): image \"app\": import[0].image: image \"tools\" is not declared in werf.yaml\n  7 | - image: tools",
	},
	{
		name:   "unknown import source without a tag",
		config: meta + "image: app\nfrom: alpine\nimport:\n- from: golang\n  add: /usr/local/go\n  after: install\n",
		err:    "werf.yaml:7 (document 2): image \"app\": import[0].from: image \"golang\" is not declared in werf.yaml",
	},
	{
		name:   "unknown import artifact",
		config: meta + "image: app\nfrom: alpine\nimport:\n- artifact: assets\n  add: /dist\n  after: install\n",
		err:    "werf.yaml:7 (document 2): image \"app\": import[0].artifact: image \"assets\" is not declared in werf.yaml",
	},
	{
		name:   "unknown dependency",
		config: meta + "image: app\nfrom: alpine\ndependencies:\n- image: base\n  before: install\n",
		err:    "werf.yaml:7 (document 2): image \"app\": dependencies[0].image: image \"base\" is not declared in werf.yaml",
	},
	{
		name:   "a cycle through fromImage",
		config: meta + "image: a\nfromImage: b\n---\nimage: b\nfromImage: a\n",
		err:    "werf.yaml:5 (document 2): image \"a\": fromImage: dependency cycle: a -> b -> a\n  5 | fromImage: b",
	},
	{
		name:   "a cycle through from, an import and a dependency",
		config: meta + "image: a\nfrom: b\n---\nimage: b\nfrom: alpine\nimport: [{image: c, add: /x, after: install}]\n---\nimage: c\nfrom: alpine\ndependencies: [{image: a, after: setup}]\n",
		err:    "werf.yaml:5 (document 2): image \"a\": from: dependency cycle: a -> b -> c -> a",
	},
	{
		name:   "a dependency's platforms",
		config: meta + "image: base\nfrom: alpine\nplatform: [linux/amd64]\n---\nimage: app\nfrom: alpine\nplatform: [linux/arm64]\ndependencies: [{image: base, before: install}]\n",
		err:    "werf.yaml:11 (document 3): image \"app\": dependencies[0].image: dependency \"base\" is not declared for platform linux/arm64, which \"app\" is built for: add linux/arm64 to the platform of \"base\" (it has linux/amd64)",
	},
	{
		name:   "an import source's platforms",
		config: meta + "image: base\nfrom: alpine\nplatform: [linux/amd64]\n---\nimage: app\nfrom: alpine\nplatform: [linux/amd64, linux/arm64]\nimport: [{image: base, add: /x, after: install}]\n",
		err:    "werf.yaml:11 (document 3): image \"app\": import[0].image: import source \"base\" is not declared for platform linux/arm64",
	},

	// git
	{
		name:   "git without to",
		config: meta + "image: app\nfrom: alpine\ngit:\n- add: /src\n",
		err:    "werf.yaml:7 (document 2): image \"app\": git[0].to: required: an absolute path\n  7 | - add: /src",
	},
	{
		name:   "git to relative",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: app\n",
		err:    "werf.yaml:7 (document 2): image \"app\": git[0].to: \"app\" is not an absolute path",
	},
	{
		name:   "git add relative",
		config: meta + "image: app\nfrom: alpine\ngit:\n- add: src\n  to: /app\n",
		err:    "werf.yaml:7 (document 2): image \"app\": git[0].add: \"src\" is not an absolute path",
	},
	{
		name:   "git add empty",
		config: meta + "image: app\nfrom: alpine\ngit:\n- add: \"\"\n  to: /app\n",
		err:    "image \"app\": git[0].add: required: an absolute path",
	},
	{
		name:   "includePaths absolute",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  includePaths: [/etc]\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0].includePaths[0]: \"/etc\" must be a relative path that stays inside (no leading / and no climbing out with ..)",
	},
	{
		name:   "excludePaths climbing out",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  excludePaths: ../secret\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0].excludePaths: \"../secret\" must be a relative path",
	},
	{
		name:   "stageDependencies climbing out",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  stageDependencies:\n    install: [a/../../b]\n",
		err:    "werf.yaml:9 (document 2): image \"app\": git[0].stageDependencies.install[0]: \"a/../../b\" must be a relative path",
	},
	{
		name:   "stageDependencies of an unknown stage",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  stageDependencies:\n    beforeInstall: [x]\n",
		err:    "werf.yaml:9 (document 2): image \"app\": git[0].stageDependencies: unknown key \"beforeInstall\"",
	},
	{
		name:   "a branch of a local mapping",
		config: meta + "image: app\nfrom: alpine\ngit:\n- to: /app\n  branch: main\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0].branch: branch, tag and commit are for a remote repository (with url); a local mapping takes the commit being built",
	},
	{
		name:   "a remote branch and tag",
		config: meta + "image: app\nfrom: alpine\ngit:\n- url: https://example.com/a/b.git\n  branch: main\n  tag: v1\n  to: /app\n",
		gt:     allowAll,
		err:    "werf.yaml:7 (document 2): image \"app\": git[0]: set at most one of branch, tag and commit",
	},
	{
		name:   "a remote branch without giterminism",
		config: meta + "image: app\nfrom: alpine\ngit:\n- url: https://example.com/a/b.git\n  branch: main\n  to: /app\n",
		err:    "werf.yaml:8 (document 2): image \"app\": git[0].branch: following branch \"main\" of https://example.com/a/b.git is not allowed by werf-giterminism.yaml (config.stapel.git.allowBranch): every new commit there changes the digests; pin a tag or a commit",
	},
	{
		name:   "a remote default branch without giterminism",
		config: meta + "image: app\nfrom: alpine\ngit:\n- url: https://example.com/a/b.git\n  to: /app\n",
		err:    "werf.yaml:7 (document 2): image \"app\": git[0].url: following the default branch master of https://example.com/a/b.git is not allowed by werf-giterminism.yaml (config.stapel.git.allowBranch)",
	},
	{
		name:   "basicAuth with two passwords",
		config: meta + "image: app\nfrom: alpine\ngit:\n- url: https://example.com/a/b.git\n  tag: v1\n  to: /app\n  basicAuth:\n    username: ci\n    password: {env: A, value: b}\n",
		err:    "werf.yaml:12 (document 2): image \"app\": git[0].basicAuth.password: set exactly one of env, src and value",
	},
	{
		name:   "basicAuth with an unknown key",
		config: meta + "image: app\nfrom: alpine\ngit:\n- url: https://example.com/a/b.git\n  tag: v1\n  to: /app\n  basicAuth:\n    user: ci\n",
		err:    "werf.yaml:11 (document 2): image \"app\": git[0].basicAuth: unknown key \"user\"",
	},
	{
		name:   "two git mappings with the same to",
		config: meta + "image: app\nfrom: alpine\ngit:\n- add: /a\n  to: /app\n- add: /b\n  to: /app\n",
		err:    "werf.yaml:9 (document 2): image \"app\": git[1]: its files collide with those of git[0] at \"/app\": give them includePaths that tell them apart, or different to\n  9 | - add: /b",
	},

	// import
	{
		name:   "import add relative",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: bin, after: install}\n",
		err:    "werf.yaml:10 (document 3): image \"app\": import[0].add: \"bin\" is not an absolute path",
	},
	{
		name:   "import without add",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, after: install}\n",
		err:    "werf.yaml:10 (document 3): image \"app\": import[0].add: required: an absolute path",
	},
	{
		name:   "import to relative",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /bin, to: bin, after: install}\n",
		err:    "image \"app\": import[0].to: \"bin\" is not an absolute path",
	},
	{
		name:   "import image and from",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, from: base, add: /bin, after: install}\n",
		err:    "werf.yaml:10 (document 3): image \"app\": import[0].from: set one of image and from",
	},
	{
		name:   "import without a source",
		config: meta + "image: app\nfrom: alpine\nimport:\n- {add: /bin, after: install}\n",
		err:    "werf.yaml:7 (document 2): image \"app\": import[0]: the source is required: image (an image of werf.yaml, or a registry image with a tag or digest), from, or the legacy artifact",
	},
	{
		name:   "import artifact and image",
		config: meta + "image: app\nfrom: alpine\nimport:\n- {image: a, artifact: a, add: /bin, after: install}\n",
		err:    "image \"app\": import[0].artifact: set one of artifact and image (or from)",
	},
	{
		name:   "import before and after",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /bin, before: install, after: setup}\n",
		err:    "image \"app\": import[0].after: set one of before and after",
	},
	{
		name:   "import neither before nor after",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /bin}\n",
		err:    "werf.yaml:10 (document 3): image \"app\": import[0]: set when the files are imported: before or after (install or setup)",
	},
	{
		name:   "import before an unknown stage",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /bin, before: build}\n",
		err:    "image \"app\": import[0].before: expected install or setup, got \"build\"",
	},
	{
		name:   "import from an unknown stage",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /bin, after: install, stage: gitArchive}\n",
		err:    "image \"app\": import[0].stage: expected beforeInstall, install, beforeSetup or setup, got \"gitArchive\"",
	},
	{
		name:   "import of / without includePaths",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\nimport:\n- {image: base, add: /, to: /base, after: install}\n",
		err:    "image \"app\": import[0].add: importing / needs includePaths, which say what to copy",
	},

	// dependencies
	{
		name:   "dependency without image",
		config: meta + "image: app\nfrom: alpine\ndependencies:\n- before: install\n",
		err:    "werf.yaml:7 (document 2): image \"app\": dependencies[0].image: the dependency's image name is required",
	},
	{
		name:   "dependency before and after",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- {image: base, before: install, after: setup}\n",
		err:    "image \"app\": dependencies[0].after: set one of before and after",
	},
	{
		name:   "dependency neither before nor after",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: base\n",
		err:    "werf.yaml:10 (document 3): image \"app\": dependencies[0]: set when the dependency is taken: before or after (install or setup)",
	},
	{
		name:   "dependency after beforeSetup",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- {image: base, after: beforeSetup}\n",
		err:    "image \"app\": dependencies[0].after: expected install or setup, got \"beforeSetup\"",
	},
	{
		name:   "dependency import without targetEnv",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: base\n  before: install\n  imports:\n  - type: ImageName\n",
		err:    "werf.yaml:13 (document 3): image \"app\": dependencies[0].imports[0].targetEnv: required: the environment variable that receives the ImageName",
	},
	{
		name:   "dependency import with targetBuildArg",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: base\n  before: install\n  imports:\n  - {type: ImageName, targetEnv: A, targetBuildArg: A}\n",
		err:    "image \"app\": dependencies[0].imports[0].targetBuildArg: is for Dockerfile images; a Stapel image takes imports as environment variables (targetEnv)",
	},
	{
		name:   "dependency import of an unknown type",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: base\n  before: install\n  imports:\n  - {type: ImageSha, targetEnv: A}\n",
		err:    "image \"app\": dependencies[0].imports[0].type: unknown import type \"ImageSha\"",
	},
	{
		name:   "two imports into one variable",
		config: meta + "image: base\nfrom: alpine\n---\nimage: app\nfrom: alpine\ndependencies:\n- image: base\n  before: install\n  imports:\n  - {type: ImageName, targetEnv: A}\n  - {type: ImageID, targetEnv: A}\n",
		err:    "werf.yaml:14 (document 3): image \"app\": dependencies[0].imports[1].targetEnv: environment variable \"A\" already receives another import of this dependency",
	},

	// mount
	{
		name:   "mount without to",
		config: meta + "image: app\nfrom: alpine\nmount:\n- from: tmp_dir\n",
		err:    "werf.yaml:7 (document 2): image \"app\": mount[0].to: required: an absolute path in the build container",
	},
	{
		name:   "mount to relative",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {from: tmp_dir, to: cache}\n",
		err:    "image \"app\": mount[0].to: \"cache\" is not an absolute path",
	},
	{
		name:   "mount from and fromPath",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {from: tmp_dir, fromPath: /var/cache/apt, to: /cache}\n",
		gt:     allowAll,
		err:    "image \"app\": mount[0].fromPath: set one of from and fromPath",
	},
	{
		name:   "mount from an unknown kind",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {from: cache_dir, to: /cache}\n",
		err:    "image \"app\": mount[0].from: expected tmp_dir or build_dir, got \"cache_dir\"",
	},
	{
		name:   "mount from nothing",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {to: /cache}\n",
		err:    "werf.yaml:7 (document 2): image \"app\": mount[0]: set from (tmp_dir or build_dir) or fromPath (a host directory)",
	},
	{
		name:   "build_dir without giterminism",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {from: build_dir, to: /cache}\n",
		err:    "werf.yaml:7 (document 2): image \"app\": mount[0].from: build_dir is not allowed by werf-giterminism.yaml (config.stapel.mount.allowBuildDir)",
	},
	{
		name:   "fromPath without giterminism",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {fromPath: /var/cache/go, to: /cache}\n",
		gt:     allowAll,
		err:    "werf.yaml:7 (document 2): image \"app\": mount[0].fromPath: \"/var/cache/go\" is not allowed by werf-giterminism.yaml (config.stapel.mount.allowFromPaths)",
	},
	{
		name:   "fromPath below an allowed absolute path",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {fromPath: /var/cache/apt/archives, to: /cache}\n",
		gt:     "giterminismConfigVersion: 1\nconfig: {stapel: {mount: {allowFromPaths: [/var/cache/apt]}}}\n",
		err:    "image \"app\": mount[0].fromPath: \"/var/cache/apt/archives\" is not allowed by werf-giterminism.yaml (config.stapel.mount.allowFromPaths)",
	},
	{
		name:   "two mounts at one place",
		config: meta + "image: app\nfrom: alpine\nmount:\n- {from: tmp_dir, to: /cache}\n- {from: tmp_dir, to: /cache}\n",
		err:    "werf.yaml:8 (document 2): image \"app\": mount[1].to: mount[0] already mounts \"/cache\"",
	},

	// ansible and secrets
	{
		name:   "an ansible task with no supported module",
		config: meta + "image: app\nfrom: alpine\nansible:\n  install:\n  - name: x\n    docker_container: {name: y}\n",
		err:    "werf.yaml:8 (document 2): image \"app\": ansible.install[0]: unsupported ansible task: it uses none of the modules werf supports",
	},
	{
		name:   "an ansible task with two modules",
		config: meta + "image: app\nfrom: alpine\nansible:\n  setup:\n  - {shell: a, command: b}\n",
		err:    "image \"app\": ansible.setup[0]: invalid ansible task: it uses 2 modules ([shell command]); a task uses one",
	},
	{
		name:   "a task inside a block",
		config: meta + "image: app\nfrom: alpine\nansible:\n  setup:\n  - block:\n    - {name: x}\n",
		err:    "image \"app\": ansible.setup[0].block[0]: unsupported ansible task",
	},
	{
		name:   "a secret giterminism does not allow",
		config: meta + "image: app\nfrom: alpine\nsecrets: [{env: TOKEN}]\n",
		err:    "werf.yaml:6 (document 2): image \"app\": secrets[0]: env secret \"TOKEN\" is not allowed by werf-giterminism.yaml (config.secrets.allowEnvVariables)",
	},
}

func TestLoadStapelErrors(t *testing.T) {
	for _, tt := range stapelErrorCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"werf.yaml": tt.config}
			if tt.gt != "" {
				files["werf-giterminism.yaml"] = tt.gt
			}
			_, err := load(t, files, config.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

// What giterminism refuses by default, it takes when allowed, and
// --loose-giterminism allows everything.
func TestLoadStapelGiterminismAllows(t *testing.T) {
	const doc = meta + `image: app
from: alpine
fromLatest: true
git:
- url: https://example.com/a/b.git
  to: /vendor
mount:
- {from: build_dir, to: /cache}
- {fromPath: ~/.cache/go, to: /go-cache}
- {fromPath: /var/cache/apt/archives, to: /apt}
`
	_, err := load(t, map[string]string{"werf.yaml": doc, "werf-giterminism.yaml": allowAll}, config.Options{})
	require.NoError(t, err)
	_, err = load(t, map[string]string{"werf.yaml": doc}, config.Options{LooseGiterminism: true})
	require.NoError(t, err)
}
