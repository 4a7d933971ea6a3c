package buildcontext_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// fixture is the repository of the digest memo's §8.6, whose checksums werf's own
// path matcher and ls-tree code produced.
func fixture(t *testing.T) *gittest.Repo {
	t.Helper()
	r := gittest.New(t)
	r.WriteFiles(map[string]string{
		"Dockerfile":     "FROM alpine\nCOPY . /app\n",
		"src/a.go":       "package a\n",
		"src/b.txt":      "b\n",
		"src/sub/c.go":   "deep\n",
		"README.md":      "# readme\n",
		"app/x":          "x\n",
		"app/Dockerfile": "FROM alpine\n",
		"docs/d.md":      "doc\n",
	})
	r.Symlink("src/a.go", "link")
	r.WriteMode("run.sh", "#!/bin/sh\n", 0o755)
	r.Commit("fixture")
	require.Equal(t, "af0152f16711c228f89431c2a154d11f72558288", r.Git("rev-parse", "HEAD^{tree}"), "the fixture must be the memo's repository")
	return r
}

func open(t *testing.T, r *gittest.Repo, dir string, opts ...buildcontext.Option) *buildcontext.Context {
	t.Helper()
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	c, err := buildcontext.New(s, dir, opts...)
	require.NoError(t, err)
	return c
}

func TestChecksumSources(t *testing.T) {
	r := fixture(t)
	tests := []struct {
		id      string
		sources [][]string // each gives the same checksum
		want    string
	}{
		{"S0", [][]string{{"."}, {"/"}, {"*"}, {"./"}, {}}, "4fca25ef8f4b399e1fd137f76ad381bb4c68375a2e697f8a43c88f952736ed93"},
		{"S1", [][]string{{"src"}, {"src/"}, {"./src"}, {"/src/"}, {"src/*"}, {"src/**"}, {"s*"}}, "02572d696ab4657239d008d96a5cb1ab3be8445523848bea6168a3111a1efaf5"},
		{"S2", [][]string{{"src/*.go"}, {"src/sub/../a.go"}}, "68825aabf183d537e9b0b931cdfeacbb8ee4599b3daf5bce2d42b12970a43824"},
		{"S3", [][]string{{"*.go"}, {"https://example.com/file.tar.gz"}}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"S4", [][]string{{"**/*.go"}}, "a3dc0ce13972864d119202e83264467200a680e8c0c86a5e76216015a1453cdc"},
		{"S5", [][]string{{"link"}}, "47ac402cf1b122dd45407e3c37ec115a454bc4071a0d294bf1c6f3a09d5c05ec"},
		{"S6", [][]string{{"src", "README.md"}}, "2c13bbe9fe4a128c3dd2885c1fbce333f247528629412b10708b12824951e0d4"},
		{"S-overlap", [][]string{{"src/sub", "src"}}, "f4440e43ec4c90ea3181c6230df59455d6c656a2c2077a6887f7340b6bcb27ce"},
		{"S7", [][]string{{"run.sh"}}, "89ef221d90dc69e0e72bcd25c1618b4851d80b62265831409de06c0a649c0a3c"},
		{"S8", [][]string{{"app", "app/x"}}, "e96bd4c5950ad010bf1fcff7d0ef3918316148a86574ff07c613c00e160097d7"},
	}
	c := open(t, r, "")
	for _, tt := range tests {
		for _, sources := range tt.sources {
			got, err := c.Checksum(t.Context(), sources)
			require.NoError(t, err, "%s %v", tt.id, sources)
			assert.Equal(t, tt.want, got, "%s %v", tt.id, sources)
		}
	}
}

func TestChecksumDockerignore(t *testing.T) {
	tests := []struct {
		id, dockerignore string
		sources          []string
		dir              string
		want             string
	}{
		{"D1", "*.md\n", []string{"."}, "", "17b8b90b2452478f5d8bb9dd6108ba46a52d055e788e4095a787d5b8b1a58c04"},
		{"D2", "**/*.md\n", []string{"."}, "", "aadc8705b2459d6c225a9ddbea96858a725365f31a22fb61e9bf2d55bbc6967e"},
		{"D3", "src\n!src/a.go\n", []string{"."}, "", "af73b761c0792cc384cca3d1a6f23bcdd7fdb1c514656af72ed7368634f58e8e"},
		{"D4 the Dockerfile is never ignored", "Dockerfile\n", []string{"."}, "", "ebab95627408b44380cf24c2803cd70c8aa252ef47aef93993152a7fe92e78a1"},
		{"D5", "*\n!src\n", []string{"."}, "", "147cf2859c42aa5b01bb9bea6584a2553acff83203adb4b4b4387a09a70c72ac"},
		{"D6", "src/sub\n", []string{"src"}, "", "0d3bb4ff1f6d2f0ab46bc9c96696fa3fdeec1354f7030af47691e1e09079ea7e"},
		{"D7 an empty file", "", []string{"."}, "", "efb10e6e462377cb9273bf0bd93d97538e6be39588c694a648358b3719aec9f1"},
		{"D9 ignoring itself", ".dockerignore\n", []string{"."}, "", "1c44dc87aa7580035971ee2b97a6d3300fa1ec43e4bb9844ca6b4d5890a1a122"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := fixture(t)
			r.Write(".dockerignore", tt.dockerignore)
			r.Commit("dockerignore")
			c := open(t, r, tt.dir, buildcontext.WithDockerignore(".dockerignore", []byte(tt.dockerignore), "Dockerfile"))
			got, err := c.Checksum(t.Context(), tt.sources)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// D8: a context in a subdirectory reads its own .dockerignore, not the root's.
func TestChecksumSubdirectoryContext(t *testing.T) {
	r := fixture(t)
	r.Write(".dockerignore", "x\n")
	r.Commit("root dockerignore")
	c := open(t, r, "app")
	got, err := c.Checksum(t.Context(), []string{"."})
	require.NoError(t, err)
	assert.Equal(t, "1debcbd9054229b4953b79d88738648ee828ac01349453fea47dac4575fe086f", got)
}

func TestChecksumSubmodules(t *testing.T) {
	sub := gittest.New(t)
	sub.CommitFiles(map[string]string{"x": "one\n", "d/y": "two\n"})
	r := gittest.New(t)
	r.WriteFiles(map[string]string{"Dockerfile": "FROM alpine\nCOPY . /app\n", "m.txt": "m\n"})
	r.Git("submodule", "add", "-q", sub.Dir, "sub")
	r.Commit("with a submodule")
	link := r.Git("rev-parse", "HEAD:sub")

	c := open(t, r, "")
	tests := []struct {
		id      string
		sources []string
		want    string
	}{
		{"M1 the whole submodule is its commit", []string{"sub"}, sha(sha(link))},
		{"M2", []string{"sub/x"}, "fbe26f7d2a04325a6ba51781605a9f54ee141e047447a31d045aa045942dcd65"},
		{"M3", []string{"sub/d", "m.txt"}, "d133e6852d548687151eda2bd78d000c55183584be849d0eaf39d7ddc6c2b6d8"},
		{"M4", []string{"**/y"}, "b8d54e2bc98e2229640ee1b1c08d7244b74482f509b6386d63c6f2eaec5f41ed"},
	}
	for _, tt := range tests {
		got, err := c.Checksum(t.Context(), tt.sources)
		require.NoError(t, err, tt.id)
		assert.Equal(t, tt.want, got, tt.id)
	}
}

func TestChecksumMissingSources(t *testing.T) {
	r := fixture(t)
	r.Write(".dockerignore", "docs\n")
	r.Commit("dockerignore")
	c := open(t, r, "", buildcontext.WithDockerignore(".dockerignore", []byte("docs\n"), "Dockerfile"))

	_, err := c.Checksum(t.Context(), []string{"src", "main.go"})
	assert.ErrorContains(t, err, `"main.go" is not in the build context (the project directory) (commit `)
	_, err = c.Checksum(t.Context(), []string{"docs/d.md"})
	assert.EqualError(t, err, `"docs/d.md" is excluded from the build context by .dockerignore`)
	_, err = c.Checksum(t.Context(), []string{"nothing-*.go", "https://example.com/x.tgz"})
	assert.NoError(t, err, "a wildcard may match nothing and URLs are fetched, not read")

	sub := open(t, r, "nowhere")
	_, err = sub.Checksum(t.Context(), []string{"."})
	assert.ErrorContains(t, err, `"." is not in the build context nowhere`)
}

// A .dockerignore that cannot be used is an error naming the file, the line, the
// pattern and what is wrong with it.
func TestDockerignoreErrors(t *testing.T) {
	r := fixture(t)
	tests := []struct {
		name, dockerignore, dockerfile, err string
	}{
		{
			name:         "bad character class",
			dockerignore: "# comment\n\nsrc\n  a[\n",
			err:          `app/.dockerignore:4: pattern "a[": syntax error in pattern`,
		},
		{
			name:         "a lone exception mark",
			dockerignore: "\xEF\xBB\xBFsrc\n!\n",
			err:          `app/.dockerignore:2: pattern "!": an exception needs a pattern after "!"`,
		},
		{
			name:         "regular expression that does not compile",
			dockerignore: "docs\n[z-a]\n",
			err:          `app/.dockerignore:2: pattern "[z-a]": cannot be compiled: syntax error in pattern`,
		},
		{
			name:         "unbalanced brace",
			dockerignore: "docs\n!src/{a\n",
			err:          `app/.dockerignore:2: pattern "!src/{a": component "{a" is malformed for werf's matching: the special characters '?', '[' and '{' must be balanced or escaped with '\'`,
		},
		{
			name:         "the whole context",
			dockerignore: "docs\n\n# x\nsrc/..\n",
			err:          `app/.dockerignore:4: pattern "src/.." (read as "."): names the whole context, which werf cannot walk with`,
		},
		{
			name:         "a line too long",
			dockerignore: "docs\n" + strings.Repeat("x", 70000) + "\n",
			err:          `app/.dockerignore:2: the line is longer than the 65535 bytes a .dockerignore line may have`,
		},
		{
			name:         "the exception kept for the Dockerfile",
			dockerignore: "*\n",
			dockerfile:   "Docker[file",
			err:          `app/.dockerignore: pattern "!Docker[file" (added to keep the Dockerfile in the context): syntax error in pattern`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := source.Open(r.Dir)
			require.NoError(t, err)
			dockerfile := tt.dockerfile
			if dockerfile == "" {
				dockerfile = "Dockerfile"
			}
			_, err = buildcontext.New(s, "", buildcontext.WithDockerignore("app/.dockerignore", []byte(tt.dockerignore), dockerfile))
			require.Error(t, err)
			assert.Equal(t, tt.err, err.Error())
		})
	}
}

// A context inside a submodule: werf looks its ls-tree scope up through
// submodules (processSpecificEntryFilepath) and hashes the directory it finds
// there as the submodule's result: sha(sha(sha(tree))). (dagwerf hashed
// nothing here before it took werf's lookup.)
func TestChecksumContextInsideSubmodule(t *testing.T) {
	sub := gittest.New(t)
	sub.CommitFiles(map[string]string{"d/Dockerfile": "FROM alpine\n", "d/y": "two\n"})
	r := gittest.New(t)
	r.WriteFiles(map[string]string{"m.txt": "m\n"})
	r.Git("submodule", "add", "-q", sub.Dir, "sub")
	r.Commit("with a submodule")

	got, err := open(t, r, "sub/d").Checksum(t.Context(), []string{"."})
	require.NoError(t, err)
	assert.Equal(t, sha(sha(sha(sub.Git("rev-parse", "HEAD:d")))), got)
}
