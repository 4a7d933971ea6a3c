package buildcontext_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// contextAt opens the context dir of the repository's HEAD, with the
// .dockerignore at dir/.dockerignore when the commit has one.
func contextAt(t *testing.T, r *gittest.Repo, dir string) *buildcontext.Context {
	t.Helper()
	s, err := source.Open(r.Dir)
	require.NoError(t, err)
	var opts []buildcontext.Option
	if data, err := s.ReadFile(dir + "/.dockerignore"); err == nil {
		opts = append(opts, buildcontext.WithDockerignore(dir+"/.dockerignore", data, "Dockerfile"))
	}
	c, err := buildcontext.New(s, dir, opts...)
	require.NoError(t, err)
	return c
}

func TestChangedFiles(t *testing.T) {
	base := map[string]string{
		"ctx/Dockerfile":   "FROM alpine\n",
		"ctx/src/a.go":     "a\n",
		"ctx/src/b.txt":    "b\n",
		"ctx/src/x":        "x is a file\n",
		"ctx/src/sub/c.go": "c\n",
		"ctx/README.md":    "readme\n",
		"other/o.go":       "outside the context\n",
	}
	type fc = buildcontext.FileChange
	tests := []struct {
		name                string
		change              func(r *gittest.Repo)
		oldSources, sources []string
		want                []fc
	}{
		{
			name: "added, changed and removed under the sources; the rest is not seen",
			change: func(r *gittest.Repo) {
				r.Write("ctx/src/a.go", "a2\n")
				r.Write("ctx/src/sub/new.go", "new\n")
				r.Remove("ctx/src/b.txt")
				r.Write("ctx/README.md", "readme 2\n")
				r.Write("other/o.go", "changed outside\n")
			},
			oldSources: []string{"src"}, sources: []string{"src"},
			want: []fc{{"src/a.go", buildcontext.FileChanged}, {"src/b.txt", buildcontext.FileRemoved}, {"src/sub/new.go", buildcontext.FileAdded}},
		},
		{
			name:       "globs match as the checksum's do",
			change:     func(r *gittest.Repo) { r.Write("ctx/src/a.go", "a2\n"); r.Write("ctx/src/b.txt", "b2\n") },
			oldSources: []string{"src/*.go"}, sources: []string{"src/*.go"},
			want: []fc{{"src/a.go", buildcontext.FileChanged}},
		},
		{
			name:       "the whole context",
			change:     func(r *gittest.Repo) { r.Write("ctx/README.md", "readme 2\n") },
			oldSources: []string{"."}, sources: []string{"/"},
			want: []fc{{"README.md", buildcontext.FileChanged}},
		},
		{
			name:       "a file becomes a directory",
			change:     func(r *gittest.Repo) { r.Remove("ctx/src/x"); r.Write("ctx/src/x/y", "y\n") },
			oldSources: []string{"src"}, sources: []string{"src"},
			want: []fc{{"src/x", buildcontext.FileRemoved}, {"src/x/y", buildcontext.FileAdded}},
		},
		{
			name:       "other sources take unchanged files in",
			change:     func(*gittest.Repo) {},
			oldSources: []string{"src"}, sources: []string{"src", "README.md"},
			want: []fc{{"README.md", buildcontext.FileAdded}},
		},
		{
			name:       "a new .dockerignore leaves unchanged files out",
			change:     func(r *gittest.Repo) { r.Write("ctx/.dockerignore", "src/*.txt\n") },
			oldSources: []string{"src"}, sources: []string{"src"},
			want: []fc{{"src/b.txt", buildcontext.FileRemoved}},
		},
		{
			name:       "nothing changed",
			change:     func(r *gittest.Repo) { r.Write("other/o.go", "changed outside\n") },
			oldSources: []string{"."}, sources: []string{"."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			r.CommitFiles(base)
			old := contextAt(t, r, "ctx")
			tt.change(r)
			r.Commit("change")
			got, err := contextAt(t, r, "ctx").ChangedFiles(context.Background(), old, tt.oldSources, tt.sources)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A context directory that the old commit lacks is all added.
func TestChangedFilesNewContext(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"README.md": "readme\n"})
	old := contextAt(t, r, "ctx")
	r.CommitFiles(map[string]string{"ctx/Dockerfile": "FROM alpine\n", "ctx/a": "a\n"})
	got, err := contextAt(t, r, "ctx").ChangedFiles(context.Background(), old, []string{"."}, []string{"."})
	require.NoError(t, err)
	assert.Equal(t, []buildcontext.FileChange{{Path: "Dockerfile", Kind: buildcontext.FileAdded}, {Path: "a", Kind: buildcontext.FileAdded}}, got)
}

func TestChangedFilesCancelled(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"ctx/a": "a\n"})
	old := contextAt(t, r, "ctx")
	r.CommitFiles(map[string]string{"ctx/a": "a2\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := contextAt(t, r, "ctx").ChangedFiles(ctx, old, []string{"."}, []string{"."})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "comparing the build context ctx with commit ")
}

// A bad glob is an error, not a panic.
func TestChangedFilesBadSources(t *testing.T) {
	r := gittest.New(t)
	r.CommitFiles(map[string]string{"ctx/a": "a\n"})
	c := contextAt(t, r, "ctx")
	_, err := c.ChangedFiles(context.Background(), c, []string{"["}, []string{"."})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `COPY/ADD sources "["`)
}
