package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestDigestExplainAgainstACommit(t *testing.T) {
	r := gittest.New(t)
	old := r.CommitFiles(map[string]string{
		"werf.yaml":   "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\nargs: {VERSION: \"1.0\"}\n",
		"Dockerfile":  "FROM alpine:3.19\nARG VERSION\nRUN make\nCOPY src /app\n",
		"src/main.go": "package main\n",
		"src/util.go": "package main // util\n",
	})
	r.Remove("src/util.go")
	r.CommitFiles(map[string]string{
		"werf.yaml":   "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\nargs: {VERSION: \"1.1\"}\n",
		"Dockerfile":  "FROM alpine:3.20\nARG VERSION\nRUN make all\nCOPY src /app\n",
		"src/main.go": "package main // v2\n",
		"src/new.go":  "package main // new\n",
	})

	stdout, stderr, code := dagwerf(t, nil, "digest", "--dir", r.Dir, "--explain", "--against", old[:10])
	assert.Equal(t, 0, code, stderr)
	for _, want := range []string{
		"  since " + old[:10] + ":\n",
		"    base image: alpine:3.19 → alpine:3.20 (FROM at Dockerfile:1)\n",
		"    build arg VERSION: 1.0 → 1.1",
		"    Dockerfile:3: RUN make → RUN make all\n",
		"src/main.go changed",
		"src/new.go added",
		"src/util.go removed",
	} {
		assert.Contains(t, stdout, want)
	}

	r.CommitFiles(map[string]string{"README.md": "docs\n"})
	stdout, stderr, code = dagwerf(t, nil, "digest", "--dir", r.Dir, "--explain", "--against", "HEAD~1")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "  nothing its digest takes changed since HEAD~1\n")

	_, stderr, code = dagwerf(t, nil, "digest", "--dir", r.Dir, "--against", old)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--against names the commit --explain compares with")
}

func TestDigestStages(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml":  "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\nimageSpec: {config: {user: \"1000\"}}\n",
		"Dockerfile": "FROM alpine:3.20\nRUN make\n",
	})
	stdout, stderr, code := dagwerf(t, nil, "digest", "--dir", r.Dir, "--stages")
	assert.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^app linux/amd64 ([0-9a-f]{56})\n  app dockerfile [0-9a-f]{56}\n  app imageSpec ([0-9a-f]{56})\n$`, stdout)
	m := regexp.MustCompile(`^app linux/amd64 ([0-9a-f]{56})\n.*\n  app imageSpec ([0-9a-f]{56})\n$`).FindStringSubmatch(stdout)
	if assert.Len(t, m, 3) {
		assert.Equal(t, m[1], m[2], "the image is its last stage")
	}
}

// --log-debug names what each digest is made of; werf's golden value for
// `FROM alpine:latest` / `RUN echo hello` (full_dockerfile_test.go) shows in it.
func TestDigestLogDebug(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{
		"werf.yaml":  "configVersion: 1\nproject: p\n---\nimage: app\ndockerfile: Dockerfile\n---\nimage: tool\nfrom: alpine:3.20\nshell:\n  install: [make]\n",
		"Dockerfile": "FROM alpine:latest\nRUN echo hello\n",
	})
	stdout, stderr, code := dagwerf(t, nil, "digest", "--dir", r.Dir, "--log-debug", "--platform", "linux/amd64")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "app linux/amd64 0883bdbcff5e101c016d27f63b08bc4bddcc655837e06f4b801c942f\n  app dockerfile 0883bdbcff5e101c016d27f63b08bc4bddcc655837e06f4b801c942f\n")
	assert.Contains(t, stdout, `    StageDependencies = "b9d5527ee7a7047747bce5fb5fd1d7ab2b687f141a91151620098b60c2ad0eae"`+"\n")
	assert.Contains(t, stdout, `    StageDependencies: instruction Dockerfile:2 RUN echo hello = "RUN echo hello"`+"\n")
	assert.Contains(t, stdout, "  tool install ")
	assert.Contains(t, stdout, `    StageDependencies: shell.install[0] = "make"`+"\n")

	stdout, _, code = dagwerf(t, map[string]string{"WERF_LOG_DEBUG": "1"}, "digest", "--dir", r.Dir, "--json", "--platform", "linux/amd64", "app")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, `"name": "StageName"`)

	stdout, _, _ = dagwerf(t, nil, "digest", "--dir", r.Dir, "--stages", "--platform", "linux/amd64", "app")
	assert.NotContains(t, stdout, "StageName", "inputs only with --log-debug")
}
