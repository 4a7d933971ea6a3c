package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// Every malformed input gets one message naming the file, the document, the line
// and, where there is one, the image and key.
func TestLoadErrors(t *testing.T) {
	const img = "image: app\ndockerfile: Dockerfile\n"
	tests := []struct {
		name   string
		config string
		gt     string // werf-giterminism.yaml
		err    string
	}{
		{
			name:   "YAML syntax",
			config: meta + "image: app\ndockerfile: [\n",
			err:    "werf.yaml:5 (document 2): invalid YAML: did not find expected node content\n  5 | dockerfile: [",
		},
		{
			name:   "tab indentation",
			config: meta + "image: app\n\tdockerfile: x\n",
			err:    "werf.yaml:5 (document 2): invalid YAML: found a tab character that violates indentation\n  5 | \tdockerfile: x",
		},
		{
			name:   "duplicate key",
			config: meta + img + "target: a\ntarget: b\n",
			err:    "werf.yaml:7 (document 2): image \"app\": target: key \"target\" is set twice\n  7 | target: b",
		},
		{
			name:   "unknown key with a suggestion",
			config: meta + img + "contextAddFilez: [a]\n",
			err:    "werf.yaml:6 (document 2): image \"app\": unknown key \"contextAddFilez\"; did you mean \"contextAddFiles\"?\n  6 | contextAddFilez: [a]",
		},
		{
			name:   "unknown key without a suggestion",
			config: meta + img + "from: alpine\n",
			err:    "werf.yaml:6 (document 2): image \"app\": unknown key \"from\" (known keys: addHost, args, cacheVersion, context, contextAddFile, contextAddFiles, dependencies, dockerfile, final, image, imageSpec, network, platform, secrets, ssh, staged, target)",
		},
		{
			name:   "unknown nested key",
			config: meta + img + "dependencies:\n- image: base\n  imports:\n  - type: ImageName\n    targetBuildArg: A\n    extra: 1\n---\nimage: base\ndockerfile: Dockerfile\n",
			err:    "werf.yaml:11 (document 2): image \"app\": dependencies[0].imports[0]: unknown key \"extra\"",
		},
		{
			name:   "wrong type",
			config: meta + img + "final: maybe\n",
			err:    "werf.yaml:6 (document 2): image \"app\": final: expected true or false, got \"maybe\"\n  6 | final: maybe",
		},
		{
			name:   "list where a string is expected",
			config: meta + img + "target: [a]\n",
			err:    "werf.yaml:6 (document 2): image \"app\": target: expected a string, got a list",
		},
		{
			name:   "platform as a string",
			config: meta + img + "platform: linux/amd64\n",
			err:    "werf.yaml:6 (document 2): image \"app\": platform: expected a list of strings, got \"linux/amd64\"",
		},
		{
			name:   "platform with a comma",
			config: meta + img + "platform: [\"linux/amd64,linux/arm64\"]\n",
			err:    "werf.yaml:6 (document 2): image \"app\": platform[0]: invalid platform \"linux/amd64,linux/arm64\": list several platforms as YAML list items",
		},
		{
			name:   "document that is not a mapping",
			config: meta + "- a\n- b\n",
			err:    "werf.yaml:4 (document 2): expected a mapping, got a list\n  4 | - a",
		},
		{
			name:   "unrecognised document",
			config: meta + "name: app\n",
			err:    "werf.yaml:4 (document 2): unknown document: the meta document needs configVersion, an image document image (and dockerfile for a Dockerfile image), a legacy artifact document artifact",
		},
		{
			name:   "no meta document",
			config: img,
			err:    "werf.yaml: no meta document: start the file with\n\n  configVersion: 1\n  project: <name>\n  ---",
		},
		{
			name:   "two meta documents",
			config: meta + "configVersion: 1\nproject: again\n",
			err:    "werf.yaml:4 (document 2): a second meta document (configVersion); the first is document 1",
		},
		{
			name:   "configVersion 2",
			config: "configVersion: 2\nproject: demo\n",
			err:    "werf.yaml:1 (document 1): configVersion: must be 1 (configVersion: 1)\n  1 | configVersion: 2",
		},
		{
			name:   "missing project",
			config: "configVersion: 1\n",
			err:    "werf.yaml:1 (document 1): project: the project name is required",
		},
		{
			name:   "bad project name",
			config: "configVersion: 1\nproject: My_Project\n",
			err:    "werf.yaml:2 (document 1): project: invalid project name \"My_Project\": use lower-case letters, digits and inner dashes, at most 50 characters\n  2 | project: My_Project",
		},
		{
			name:   "project name too long",
			config: "configVersion: 1\nproject: " + "a123456789a123456789a123456789a123456789a123456789x\n",
			err:    "at most 50 characters",
		},
		{
			name:   "duplicate image names",
			config: meta + img + "---\n" + img,
			err:    "werf.yaml:7 (document 3): image \"app\": image: declared twice: first in document 2 (line 4)",
		},
		{
			name:   "duplicate names in one list",
			config: meta + "image: [a, a]\ndockerfile: Dockerfile\n",
			err:    "image \"a\": image: declared twice",
		},
		{
			name:   "nameless image beside another final image",
			config: meta + "image: ~\ndockerfile: Dockerfile\n---\n" + img,
			err:    "werf.yaml:4 (document 2): image \"~\": the nameless image (~) must be the only image in werf.yaml: give it a name",
		},
		{
			name:   "unknown dependency",
			config: meta + "image: base\ndockerfile: Dockerfile\n---\n" + img + "dependencies:\n- image: bsae\n",
			err:    "werf.yaml:10 (document 3): image \"app\": dependencies[0].image: image \"bsae\" is not declared in werf.yaml; did you mean \"base\"?\n  10 | - image: bsae",
		},
		{
			name:   "dependency cycle",
			config: meta + "image: a\ndockerfile: Dockerfile\ndependencies: [{image: b}]\n---\nimage: b\ndockerfile: Dockerfile\ndependencies: [{image: c}]\n---\nimage: c\ndockerfile: Dockerfile\ndependencies: [{image: a}]\n",
			err:    "werf.yaml:6 (document 2): image \"a\": dependencies[0].image: dependency cycle: a -> b -> c -> a",
		},
		{
			name:   "self dependency",
			config: meta + img + "dependencies: [{image: app}]\n",
			err:    "dependency cycle: app -> app",
		},
		{
			name:   "dependency without image",
			config: meta + img + "dependencies:\n- imports: []\n",
			err:    "werf.yaml:7 (document 2): image \"app\": dependencies[0].image: the dependency's image name is required",
		},
		{
			name:   "unknown import type",
			config: meta + img + "dependencies:\n- image: app\n  imports:\n  - type: ImageSha\n    targetBuildArg: X\n",
			err:    "werf.yaml:9 (document 2): image \"app\": dependencies[0].imports[0].type: unknown import type \"ImageSha\" (expected one of ImageName, ImageTag, ImageRepo, ImageID, ImageDigest)\n  9 |   - type: ImageSha",
		},
		{
			name:   "import without targetBuildArg",
			config: meta + img + "dependencies:\n- image: x\n  imports:\n  - type: ImageName\n",
			err:    "image \"app\": dependencies[0].imports[0].targetBuildArg: required: the build arg that receives the ImageName",
		},
		{
			name:   "targetEnv is Stapel",
			config: meta + img + "dependencies:\n- image: x\n  imports:\n  - {type: ImageName, targetBuildArg: A, targetEnv: B}\n",
			err:    "dependencies[0].imports[0].targetEnv: is a Stapel directive; a Dockerfile image takes imports as build args (targetBuildArg)",
		},
		{
			name:   "before is Stapel",
			config: meta + img + "dependencies:\n- image: x\n  before: install\n",
			err:    "werf.yaml:8 (document 2): image \"app\": dependencies[0].before: is a Stapel directive; Dockerfile images do not support it",
		},
		{
			name:   "targetBuildArg twice",
			config: meta + img + "dependencies:\n- image: x\n  imports:\n  - {type: ImageName, targetBuildArg: A}\n  - {type: ImageTag, targetBuildArg: A}\n",
			err:    "werf.yaml:10 (document 2): image \"app\": dependencies[0].imports[1].targetBuildArg: build arg \"A\" already receives another import",
		},
		{
			name:   "targetBuildArg clashes with args",
			config: meta + img + "args: {BASE: x}\ndependencies:\n- image: x\n  imports:\n  - {type: ImageName, targetBuildArg: BASE}\n",
			err:    "werf.yaml:10 (document 2): image \"app\": dependencies[0].imports[0].targetBuildArg: build arg \"BASE\" is also set in args; set it in one place only",
		},
		{
			name:   "absolute context",
			config: meta + img + "context: /srv/app\n",
			err:    "werf.yaml:6 (document 2): image \"app\": context: \"/srv/app\" must be a relative path inside the project directory\n  6 | context: /srv/app",
		},
		{
			name:   "context escaping the project",
			config: meta + img + "context: sub/../../other\n",
			err:    "image \"app\": context: \"sub/../../other\" must be a relative path inside the project directory",
		},
		{
			name:   "dockerfile escaping the context",
			config: meta + "image: app\ndockerfile: ../Dockerfile\ncontext: app\n",
			err:    "werf.yaml:5 (document 2): image \"app\": dockerfile: \"../Dockerfile\" must be a relative path inside the context",
		},
		{
			name:   "absolute contextAddFiles",
			config: meta + img + "contextAddFiles: [ok.txt, /etc/passwd]\n",
			gt:     "giterminismConfigVersion: 1\nconfig: {dockerfile: {allowContextAddFiles: ['*']}}\n",
			err:    "image \"app\": contextAddFiles[1]: \"/etc/passwd\" must be a relative path inside the context",
		},
		{
			name:   "both contextAddFile and contextAddFiles",
			config: meta + img + "contextAddFiles: [a]\ncontextAddFile: b\n",
			err:    "werf.yaml:7 (document 2): image \"app\": contextAddFile: use contextAddFiles only: move these paths into it",
		},
		{
			name:   "contextAddFiles not allowed by giterminism",
			config: meta + img + "context: app\ncontextAddFiles: [secret.env]\n",
			err:    "werf.yaml:7 (document 2): image \"app\": contextAddFiles[0]: \"app/secret.env\" is not allowed by werf-giterminism.yaml (config.dockerfile.allowContextAddFiles): its content comes from outside the commit and changes the digest",
		},
		{
			name:   "secret with two sources",
			config: meta + img + "secrets:\n- {env: A, value: b, id: c}\n",
			err:    "werf.yaml:7 (document 2): image \"app\": secrets[0]: a secret takes exactly one of env, src and value",
		},
		{
			name:   "secret with no source",
			config: meta + img + "secrets:\n- id: a\n",
			err:    "image \"app\": secrets[0]: a secret takes exactly one of env, src and value",
		},
		{
			name:   "value secret without id",
			config: meta + img + "secrets:\n- value: x\n",
			gt:     "giterminismConfigVersion: 1\nconfig: {secrets: {allowValueIds: [x]}}\n",
			err:    "image \"app\": secrets[0].id: a value secret needs an id",
		},
		{
			name:   "secret id twice",
			config: meta + img + "secrets:\n- env: TOKEN\n- {id: TOKEN, src: token.txt}\n",
			gt:     "giterminismConfigVersion: 1\nconfig: {secrets: {allowEnvVariables: [TOKEN], allowFiles: ['*']}}\n",
			err:    "werf.yaml:8 (document 2): image \"app\": secrets[1].id: secret \"TOKEN\" is defined twice",
		},
		{
			name:   "env secret not allowed",
			config: meta + img + "secrets:\n- env: TOKEN\n",
			err:    "werf.yaml:7 (document 2): image \"app\": secrets[0]: env secret \"TOKEN\" is not allowed by werf-giterminism.yaml (config.secrets.allowEnvVariables)",
		},
		{
			name:   "file secret not allowed",
			config: meta + img + "secrets:\n- src: ~/.npmrc\n",
			err:    "image \"app\": secrets[0]: file secret \"~/.npmrc\" is not allowed by werf-giterminism.yaml (config.secrets.allowFiles)",
		},
		{
			name:   "value secret not allowed",
			config: meta + img + "secrets:\n- {id: token, value: x}\n",
			err:    "image \"app\": secrets[0]: value secret \"token\" is not allowed by werf-giterminism.yaml (config.secrets.allowValueIds)",
		},
		{
			name:   "rendered line numbers are called so",
			config: meta + "{{ if true }}\n{{ end }}\nimage: app\ndockerfile: Dockerfile\nfinal: maybe\n",
			err:    "rendered werf.yaml:8 (document 2): image \"app\": final: expected true or false, got \"maybe\"",
		},
		{
			name:   "bad giterminism config",
			config: meta + img,
			gt:     "giterminismConfigVersion: 3\n",
			err:    "werf-giterminism.yaml: giterminismConfigVersion must be 1, got 3",
		},
		{
			name:   "image as a mapping",
			config: meta + "image: {name: app}\ndockerfile: Dockerfile\n",
			err:    "werf.yaml:4 (document 2): image: expected an image name, a list of names, or ~ for the nameless image, got a mapping",
		},
		{
			name:   "merge key from a non-mapping",
			config: meta + "image: app\ndockerfile: Dockerfile\nargs:\n  <<: [1]\n",
			err:    "image \"app\": args: a merge key (<<) needs a mapping, got \"1\"",
		},
		{
			name:   "cleanup policy without references",
			config: "configVersion: 1\nproject: demo\ncleanup:\n  keepPolicies:\n  - imagesPerReference: {last: 1}\n",
			err:    "werf.yaml:5 (document 1): cleanup.keepPolicies[0]: a keep policy needs a references section",
		},
		{
			name:   "empty deploy namespace",
			config: "configVersion: 1\nproject: demo\ndeploy:\n  namespace: \"\"\n",
			err:    "werf.yaml:4 (document 1): deploy.namespace: cannot be empty",
		},
	}
	for _, tt := range tests {
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

func TestLoadMergeKeys(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": meta + `image: app
dockerfile: Dockerfile
args:
  <<: {A: from-anchor, B: from-anchor}
  B: own
`}, config.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "from-anchor", "B": "own"}, cfg.Image("app").Args)
}
