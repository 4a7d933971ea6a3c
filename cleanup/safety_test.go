package cleanup_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// A shallow clone lacks the history the cleanup walks: refused, with how to
// fetch the rest, before the registry is asked anything.
func TestCleanupRefusesShallowClone(t *testing.T) {
	p := history(t)
	before := p.tags()
	shallow := filepath.Join(t.TempDir(), "shallow")
	p.git.Git("clone", "-q", "--depth", "1", "file://"+p.git.Git("remote", "get-url", "origin"), shallow)
	p.git.Dir, shallow = shallow, p.git.Dir
	defer func() { p.git.Dir = shallow }()

	p.reg.ResetRequests()
	_, _, err := p.cleanup(cleanup.Options{})
	require.ErrorIs(t, err, cleanup.ErrShallowClone)
	assert.Contains(t, err.Error(), "git fetch --unshallow origin")
	assert.Contains(t, err.Error(), "fetch-depth: 0")
	assert.Contains(t, err.Error(), "Nothing was deleted")
	assert.Empty(t, p.reg.Requests())
	assert.Equal(t, before, p.tags())

	// werf's way out: gitWorktree.forceShallowClone.
	_, out, err := p.cleanupWith(func(o *cleanup.Options) { o.DryRun, o.GitWorktree = true, forceShallow() })
	require.NoError(t, err, out)
}

func forceShallow() config.GitWorktree {
	yes := true
	return config.GitWorktree{ForceShallowClone: &yes}
}

// A registry that refuses DELETE: one error naming the registry and what it
// needs, and nothing deleted.
func TestCleanupRegistryRefusesDelete(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"deletion turned off", http.StatusMethodNotAllowed, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`,
			[]string{"refuses to delete (405 UNSUPPORTED)", "storage.delete.enabled: true", "REGISTRY_STORAGE_DELETE_ENABLED=true"}},
		{"credentials may not delete", http.StatusForbidden, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`,
			[]string{"refuses to delete (403 DENIED)", "may not delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := history(t)
			before := p.tags()
			p.reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodDelete {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
				return true
			})
			p.reg.ResetRequests()
			_, _, err := p.cleanup(cleanup.Options{})
			require.Error(t, err)
			var refused *registry.RefusedError
			require.True(t, errors.As(err, &refused), "%v", err)
			assert.Contains(t, err.Error(), "--repo "+p.repo+": the registry "+p.reg.Host)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, before, p.tags())
			assert.LessOrEqual(t, p.reg.Count(http.MethodDelete, ""), 2, "the probe (with the second token scope for a refusal of the credentials), nothing else")
		})
	}
}

// A registry that deletes only by digest (distribution 2): each tag is
// deleted through its manifest, except one that a kept tag points to, which
// stays with a word why.
func TestCleanupDeletesByDigestWhereTagsCannot(t *testing.T) {
	p := history(t)
	doomed := p.reports["D1"].Images["worker"].DockerTag
	// A tag someone gave the doomed worker by hand: no record knows it, so the
	// cleanup keeps it, and with it the manifest.
	p.git.Git("checkout", "-q", "main")
	p.retag(doomed, "hand-made")

	var mu sync.Mutex
	var deletedDigests []string
	p.reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		ref := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if !strings.HasPrefix(ref, "sha256:") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}`))
			return true
		}
		mu.Lock()
		deletedDigests = append(deletedDigests, ref)
		mu.Unlock()
		return false
	})
	rep, out, err := p.cleanup(cleanup.Options{})
	require.NoError(t, err, out)
	assert.Contains(t, out, "Kept "+p.repo+":"+doomed+": ")
	assert.Contains(t, out, "the kept tag hand-made points to the same one")
	assert.NotContains(t, rep.DeletedTags(p.repo), doomed)
	assert.NotContains(t, deletedDigests, p.digest(doomed), "the manifest a kept tag points to is not deleted")
	for _, tag := range p.tagsOf(map[string][]string{"app": {"F1"}}, p.stageTags) {
		assert.Contains(t, deletedDigests, p.digest(tag), "%s goes by its digest", tag)
	}
}

// A build that runs while the cleanup does loses nothing it published: its
// stages, published before the cleanup listed the repository but linked to
// their commit only after the cleanup is done, are kept by the time policy —
// by the images' creation time (werf's rule), and by the tags' publication
// time when the images claim an old date (a reproducible build).
func TestCleanupKeepsWhatARunningBuildPublished(t *testing.T) {
	for _, tt := range []struct {
		name    string
		created time.Duration // how long ago the build's images claim to be created
	}{
		{"images created now", 0},
		{"images dated a month back", 30 * 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := history(t)
			p.commit("N1", 0, map[string]string{"worker/run.sh": "echo worker new\n", "app/src/main.sh": "echo app new\n"})
			p.git.Git("push", "-q", "origin", "main")

			// The build's records wait until the cleanup is done.
			published, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			p.reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/meta-") {
					once.Do(func() { close(published) })
					<-release
				}
				return false
			})
			var rep *pipeline.Report
			var buildErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				rep, _, buildErr = p.tryBuild(context.Background(), buildOptions{Created: p.now.Add(-tt.created)})
			}()
			select {
			case <-published:
			case <-done:
				t.Fatalf("the build ended before writing records: %v", buildErr)
			}
			_, out, err := p.cleanup(cleanup.Options{})
			require.NoError(t, err, out)
			close(release)
			<-done
			require.NoError(t, buildErr)

			tags := p.tags()
			for img, ri := range rep.Images {
				assert.Contains(t, tags, ri.DockerTag, "%s of the running build", img)
			}
			p.build("again", buildOptions{})
			assert.Zero(t, p.builds["again"], "a rebuild at the commit finds everything")
		})
	}
}

// A build that links an old stage to its commit while the cleanup reads the
// repository: the cleanup sees the new record before it deletes, and keeps
// the stage.
func TestCleanupKeepsWhatABuildLinksMeanwhile(t *testing.T) {
	p := history(t)
	old := p.reports["O1"].Images["worker"].DockerTag
	// N2 on main brings worker back to what O1 built: the build finds O1's
	// stage, which nothing else keeps, and links it to N2.
	p.commit("N2", 0, map[string]string{"worker/run.sh": "echo worker old\n"})
	p.git.Git("push", "-q", "origin", "main")

	// The cleanup's first read of a config waits for that build.
	reading, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	p.reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.Contains(r.UserAgent(), "cleanup-under-test") && strings.Contains(r.URL.Path, "/blobs/") {
			once.Do(func() { close(reading) })
			<-release
		}
		return false
	})
	type result struct {
		rep *cleanup.Report
		out string
		err error
	}
	res := make(chan result, 1)
	go func() {
		rep, out, err := p.cleanup(cleanup.Options{}, registry.WithUserAgent("cleanup-under-test"))
		res <- result{rep, out, err}
	}()
	<-reading
	p.build("N2", buildOptions{Published: p.at(0), Created: p.at(0)})
	require.Equal(t, old, p.reports["N2"].Images["worker"].DockerTag)
	require.Zero(t, p.builds["N2"])
	close(release)
	r := <-res
	require.NoError(t, r.err, r.out)
	assert.Contains(t, r.rep.KeptStages()[old], "used by a build during this cleanup: linked to commit "+p.commits["N2"][:12])
	assert.Contains(t, p.tags(), old)
	assert.Contains(t, p.tags(), p.metaTag("N2", "worker"), "the build's record stays")
}

// cleanup.disable: werf deletes only the managed-image and meta records.
func TestCleanupDisabled(t *testing.T) {
	p := history(t)
	before := p.tags()
	rep, out, err := p.cleanupWith(func(o *cleanup.Options) { o.Cleanup.Disable = true })
	require.NoError(t, err, out)
	for _, tag := range rep.DeletedTags(p.repo) {
		assert.True(t, strings.HasPrefix(tag, "meta-") || strings.HasPrefix(tag, "managed-image-"), tag)
	}
	var records []string
	for _, tag := range before {
		if strings.HasPrefix(tag, "meta-") || strings.HasPrefix(tag, "managed-image-") {
			records = append(records, tag)
		}
	}
	assert.Equal(t, records, sortedSet(rep.DeletedTags(p.repo)))
	assert.Equal(t, withoutAll(before, records), p.tags(), "no cleanup record either")
}

// The git-history-based policy off: every meta record goes, and stages only
// the time policy keeps.
func TestCleanupWithoutGitPolicy(t *testing.T) {
	p := history(t)
	rep, out, err := p.cleanupWith(func(o *cleanup.Options) { o.Cleanup.DisableGitHistoryBasedPolicy = true })
	require.NoError(t, err, out)
	kept := rep.KeptStages()
	assert.Len(t, kept, 1, "R1's worker, built an hour ago")
	assert.Contains(t, kept, p.reports["R1"].Images["worker"].DockerTag)
	for _, tag := range p.tags() {
		assert.False(t, strings.HasPrefix(tag, "meta-"), tag)
	}
}

// --keep-stages-built-within-last-n-hours 0 turns the time policy off; 48
// keeps the stages of the last two days too.
func TestCleanupKeepHoursFlag(t *testing.T) {
	p := history(t)
	zero, week := 0, 48
	rep, out, err := p.cleanupWith(func(o *cleanup.Options) { o.DryRun, o.KeepHours = true, &zero })
	require.NoError(t, err, out)
	assert.NotContains(t, rep.KeptStages(), p.reports["R1"].Images["worker"].DockerTag)
	rep, out, err = p.cleanupWith(func(o *cleanup.Options) { o.DryRun, o.KeepHours = true, &week })
	require.NoError(t, err, out)
	for _, l := range []string{"F1", "D1", "R1"} {
		assert.Contains(t, rep.KeptStages(), p.reports[l].Images["worker"].DockerTag, l)
	}
	assert.NotContains(t, rep.KeptStages(), p.reports["O1"].Images["worker"].DockerTag, "200 hours old")
}

// A stage deleted from --repo goes from the --cache-repo too; what is kept
// stays there.
func TestCleanupCacheRepo(t *testing.T) {
	p := history(t)
	cache := p.reg.Host + "/cache"
	var stages []string
	for _, tag := range p.tags() {
		if _, _, ok := registry.ParseStageTag(tag); ok && len(tag) == 70 {
			stages = append(stages, tag)
			p.copyTo(tag, cache)
		}
	}
	rep, out, err := p.cleanup(cleanup.Options{}, registry.WithCacheRepos(cache))
	require.NoError(t, err, out)
	deleted := rep.DeletedTags(cache)
	require.NotEmpty(t, deleted)
	for _, tag := range stages {
		_, kept := rep.KeptStages()[tag]
		assert.Equal(t, !kept, slices.Contains(deleted, tag), tag)
	}
	left := p.listOf(cache)
	assert.Equal(t, withoutAll(stages, deleted), left)
}
