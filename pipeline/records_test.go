package pipeline_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/enginetest"
)

// recordTags are the repository's tags that are werf's records.
func (f *fixture) recordTags() []string {
	f.t.Helper()
	repo, err := name.NewRepository(f.addr)
	require.NoError(f.t, err)
	tags, err := remote.List(repo)
	require.NoError(f.t, err)
	var out []string
	for _, t := range tags {
		if strings.HasPrefix(t, "managed-image-") || strings.HasPrefix(t, "meta-") || strings.HasPrefix(t, "custom-tag-meta-") {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fixture) config(tag string) *v1.ConfigFile {
	f.t.Helper()
	ref, err := name.ParseReference(f.addr + ":" + tag)
	require.NoError(f.t, err)
	img, err := remote.Image(ref)
	require.NoError(f.t, err)
	cfg, err := img.ConfigFile()
	require.NoError(f.t, err)
	return cfg
}

// wantRecords are the records werf writes for the fixture's images at commit:
// managed-image once per name, meta linking each image's stage (the manifest
// list of a multi-platform image) to the commit.
func wantRecords(report *pipeline.Report, commits ...string) []string {
	var want []string
	for _, img := range []string{"base", "helper", "app", "worker"} {
		want = append(want, registry.ManagedImageTag(img))
		for _, c := range commits {
			want = append(want, registry.MetaTag(img, c, report.Images[img].DockerTag))
		}
	}
	slices.Sort(want)
	return want
}

func TestBuildWritesWerfRecords(t *testing.T) {
	f := newFixture(t)
	report, err := f.run(runOptions{builder: &enginetest.Fake{}, records: true})
	require.NoError(t, err)
	first := f.repo.Git("rev-parse", "HEAD")
	assert.Equal(t, wantRecords(report, first), f.recordTags())
	assert.Len(t, report.Images["app"].DockerTag, 56, "app's record names its manifest list")

	// Each record is its own manifest, labelled with the project.
	digests := map[string]string{}
	for _, tag := range f.recordTags() {
		cfg := f.config(tag)
		assert.Equal(t, map[string]string{"werf": "shop"}, cfg.Config.Labels, tag)
		assert.False(t, cfg.Created.IsZero(), tag)
		ref, _ := name.ParseReference(f.addr + ":" + tag)
		desc, err := remote.Head(ref)
		require.NoError(t, err)
		assert.NotContains(t, digests, desc.Digest.String(), "%s shares a manifest with %s", tag, digests[desc.Digest.String()])
		digests[desc.Digest.String()] = tag
	}

	// The same commit again: every record exists, nothing is written.
	f.reg.ResetRequests()
	_, err = f.run(runOptions{builder: &enginetest.Fake{}, records: true})
	require.NoError(t, err)
	assert.Equal(t, 0, f.reg.Count("PUT", "")+f.reg.Count("POST", ""), "nothing is written")

	// A new commit that changes no image: nothing is built, and each image gets
	// the meta record of the new commit, one manifest written each.
	f.repo.CommitFiles(map[string]string{"README.md": "docs\n"})
	second := f.repo.Git("rev-parse", "HEAD")
	f.reg.ResetRequests()
	engine := &enginetest.Fake{}
	_, err = f.run(runOptions{builder: engine, records: true})
	require.NoError(t, err)
	assert.Equal(t, 0, engine.Builds())
	assert.Equal(t, 4, f.reg.Count("PUT", "/manifests/"), "one record per image")
	assert.Equal(t, 1, f.reg.Count("GET", "/tags/list"), "the run's one listing answers which records exist")
	assert.Equal(t, wantRecords(report, first, second), f.recordTags())
}

func TestBuildRecordsFollowWerfsPolicy(t *testing.T) {
	tests := []struct {
		name     string
		cleanup  string // werf.yaml's cleanup section
		dev      bool
		records  bool
		managed  bool // managed-image records written
		metaRecs bool // meta records written
	}{
		{name: "a --repo build", records: true, managed: true, metaRecs: true},
		{name: "the local store", records: false},
		{name: "--dev", records: true, dev: true, managed: true},
		{name: "cleanup disabled", cleanup: "cleanup:\n  disable: true\n", records: true},
		{name: "git-history policy disabled", cleanup: "cleanup:\n  disableGitHistoryBasedPolicy: true\n", records: true, managed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.cleanup != "" {
				f.repo.CommitFiles(map[string]string{"werf.yaml": strings.Replace(project["werf.yaml"], "project: shop\n", "project: shop\n"+tt.cleanup, 1)})
			}
			_, err := f.run(runOptions{builder: &enginetest.Fake{}, records: tt.records, dev: tt.dev})
			require.NoError(t, err)
			var managed, meta int
			for _, tag := range f.recordTags() {
				switch {
				case strings.HasPrefix(tag, "managed-image-"):
					managed++
				case strings.HasPrefix(tag, "meta-"):
					meta++
				}
			}
			assert.Equal(t, tt.managed, managed == 4, "managed-image records: %d", managed)
			assert.Equal(t, tt.metaRecs, meta == 4, "meta records: %d", meta)
			assert.True(t, managed == 0 || managed == 4)
			assert.True(t, meta == 0 || meta == 4)
		})
	}
}

func TestBuildWritesCustomTagRecords(t *testing.T) {
	f := newFixture(t)
	report, err := f.run(runOptions{builder: &enginetest.Fake{}, records: true, customTags: []string{"%image%-main"}})
	require.NoError(t, err)
	for _, img := range []string{"app", "worker", "base"} {
		tag := img + "-main"
		cfg := f.config(registry.CustomTagMetaTag(tag))
		assert.Equal(t, map[string]string{"werf": "shop", "tag": tag, "stage-id": report.Images[img].DockerTag}, cfg.Config.Labels)
	}
	assert.NotContains(t, f.recordTags(), registry.CustomTagMetaTag("helper-main"), "not final: no custom tag")
}

// A registry that refuses records fails the build after the stages are
// published, naming the repository and the record; the next run writes them.
func TestBuildRecordWriteRefused(t *testing.T) {
	f := newFixture(t)
	f.reg.Inject(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/meta-") {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"no records here"}]}`, http.StatusForbidden)
			return true
		}
		return false
	})
	_, err := f.run(runOptions{builder: &enginetest.Fake{}, records: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "record meta-")
	assert.Contains(t, err.Error(), f.addr)
	assert.Contains(t, err.Error(), "no records here")

	f.reg.ClearFaults()
	engine := &enginetest.Fake{}
	report, err := f.run(runOptions{builder: engine, records: true})
	require.NoError(t, err)
	assert.Equal(t, 0, engine.Builds(), "the stages were published before the records failed")
	assert.Equal(t, wantRecords(report, f.repo.Git("rev-parse", "HEAD")), f.recordTags())
}
