package module

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
)

// A release copies the bundle and the release image and registers the module,
// as the module actions' crane commands do; a second release writes nothing.
func TestRelease(t *testing.T) {
	f := newFixture(t)
	report := f.good(testTag)
	var out bytes.Buffer
	res, err := f.releaseOf(report, testTag, &out).Run(context.Background())
	require.NoError(t, err)

	bundle, release := report.Images[BundleImage], report.Images[ReleaseImage]
	assert.Equal(t, Published{Ref: f.repo + ":" + testTag, Digest: bundle.DockerImageDigest, Written: true}, res.Bundle)
	assert.Equal(t, Published{Ref: f.repo + "/release:" + testTag, Digest: release.DockerImageDigest, Written: true}, res.Release)
	assert.Equal(t, Published{Ref: f.source + ":hello-module", Digest: registrationDigest, Written: true}, res.Registration)
	for ref, want := range map[string]string{
		f.repo + ":" + testTag:         bundle.DockerImageDigest,
		f.repo + "/release:" + testTag: release.DockerImageDigest,
		f.source + ":hello-module":     registrationDigest,
	} {
		assert.Equal(t, want, digestAt(t, ref), ref)
	}
	assert.Equal(t, fmt.Sprintf("bundle: %s -> %s:%s (written)\nrelease: %s -> %s/release:%s (written)\nregistration: %s:hello-module (written)\n",
		bundle.DockerImageName, f.repo, testTag, release.DockerImageName, f.repo, testTag, f.source), out.String())
	assert.Zero(t, f.reg.Count("GET", "/blobs/sha256:"+strings.TrimPrefix(report.Images["hello-module/echo"].DockerImageDigest, "sha256:")), "application images are checked by HEAD")

	// Again: every tag is in place; nothing is written.
	f.reg.ResetRequests()
	out.Reset()
	res, err = f.releaseOf(report, testTag, &out).Run(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Bundle.Written || res.Release.Written || res.Registration.Written)
	assert.Zero(t, f.reg.Count("PUT", ""), "no manifest written")
	assert.Zero(t, f.reg.Count("POST", ""), "no blob uploaded")
	assert.Contains(t, out.String(), "registration: "+f.source+":hello-module (up to date)\n")
}

// Every check, and what it says. Nothing is published when one fails.
func TestReleaseChecks(t *testing.T) {
	tag := testTag
	tests := []struct {
		name    string
		bundle  func(f *fixture) [][]entry
		release func(f *fixture) [][]entry
		report  func(f *fixture, r *pipeline.Report)
		want    []string
	}{
		{
			name:   "bundle version.json is not the tag",
			bundle: func(f *fixture) [][]entry { return f.bundle("v0.0.0-dev") },
			want:   []string{`bundle image REPO:BUNDLE: version.json says "v0.0.0-dev", not the tag "v1.2.3": build with --tag v1.2.3 (MODULES_MODULE_TAG)`},
		},
		{
			name:    "release version.json is not the tag",
			release: func(f *fixture) [][]entry { return f.release("v1.2.2") },
			want:    []string{`release image REPO:RELEASE: version.json says "v1.2.2", not the tag "v1.2.3"`},
		},
		{
			name:    "release image without version.json",
			release: func(f *fixture) [][]entry { return [][]entry{{file("module.yaml", "name: x\n")}} },
			want:    []string{"release image REPO:RELEASE: no version.json at the image root: Deckhouse reads the module's version from it"},
		},
		{
			name:    "version.json is not JSON",
			release: func(f *fixture) [][]entry { return [][]entry{{file("version.json", "v1.2.3\n")}} },
			want:    []string{`release image REPO:RELEASE: version.json is not {"version": "v1.2.3"}: invalid character`},
		},
		{
			name:    "version.json without version",
			release: func(f *fixture) [][]entry { return [][]entry{{file("version.json", `{"tag": "v1.2.3"}`)}} },
			want:    []string{`version.json is not {"version": "v1.2.3"}: no "version"`},
		},
		{
			name:    "./version.json",
			release: func(f *fixture) [][]entry { return [][]entry{{file("./version.json", version(tag))}} },
			want:    []string{`release image REPO:RELEASE: its tar entry "./version.json" is not named "version.json": Deckhouse matches the entry name exactly and would not find the file; put it at the image root as "version.json" (without "./")`},
		},
		{
			name: "./module.yaml in the release image",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag)), file("./module.yaml", "name: x\n")}}
			},
			want: []string{`release image REPO:RELEASE: its tar entry "./module.yaml" is not named "module.yaml"`},
		},
		{
			name: "/changelog.yaml in the bundle",
			bundle: func(f *fixture) [][]entry {
				return append(f.bundle(tag), []entry{file("/changelog.yaml", "en: {}\n")})
			},
			want: []string{`bundle image REPO:BUNDLE: its tar entry "/changelog.yaml" is not named "changelog.yaml"`},
		},
		{
			name: "Module.yaml",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag)), file("Module.yaml", "name: x\n")}}
			},
			want: []string{`its tar entry "Module.yaml" is not named "module.yaml"`},
		},
		{
			name: "version.json is a symbolic link",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("real.json", version(tag)), {name: "version.json", typeflag: tar.TypeSymlink, link: "real.json"}}}
			},
			want: []string{"release image REPO:RELEASE: version.json is a symbolic link, not a regular file: Deckhouse reads the file's bytes from its tar entry"},
		},
		{
			name: "version.json shadowed by ./version.json in a layer above",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag))}, {file("./version.json", version(tag))}}
			},
			want: []string{`its tar entry "./version.json" is not named "version.json"`},
		},
		{
			name: "version.json deleted by a layer above",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag))}, {whiteout("version.json"), file("module.yaml", "name: x\n")}}
			},
			want: []string{"release image REPO:RELEASE: no version.json at the image root"},
		},
		{
			name: "an older version.json below is not read",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version("v0.1.0"))}, {file("version.json", version(tag))}}
			},
		},
		{
			name: "everything below an opaque root is hidden",
			release: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag))}, {file(".wh..wh..opq", ""), file("module.yaml", "name: x\n")}}
			},
			want: []string{"release image REPO:RELEASE: no version.json at the image root"},
		},
		{
			name: "no images_digests.json",
			bundle: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag)), file("module.yaml", "name: x\n")}}
			},
			want: []string{"bundle image REPO:BUNDLE: no images_digests.json at the image root"},
		},
		{
			name: "images_digests.json is not an object",
			bundle: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version(tag)), file("images_digests.json", "[]")}}
			},
			want: []string{"bundle image REPO:BUNDLE: images_digests.json is not an object of image names and digests"},
		},
		{
			name: "images_digests.json misses a final image",
			bundle: func(f *fixture) [][]entry {
				d := f.digests()
				delete(d, "hello")
				return [][]entry{{file("version.json", version(tag)), file("images_digests.json", jsonOf(t, d))}}
			},
			want: []string{`bundle image REPO:BUNDLE: images_digests.json has no digest of the final image "hello-module/hello" (HELLO); deckhouse/modules-template names it "hello": images-digests-and-version must depend on every final image (imports: type ImageDigest)`},
		},
		{
			name: "images_digests.json names a digest the repository has not",
			bundle: func(f *fixture) [][]entry {
				d := f.digests()
				d["echo"] = "sha256:" + strings.Repeat("0", 64)
				return [][]entry{{file("version.json", version(tag)), file("images_digests.json", jsonOf(t, d))}}
			},
			want: []string{
				`images_digests.json has no digest of the final image "hello-module/echo" (ECHO); deckhouse/modules-template names it "echo", under which it has sha256:0000`,
				`bundle image REPO:BUNDLE: images_digests.json: "echo" is sha256:0000000000000000000000000000000000000000000000000000000000000000, which REPO does not have: Deckhouse would run REPO@sha256:0000000000000000000000000000000000000000000000000000000000000000 and fail to pull it`,
			},
		},
		{
			name: "images_digests.json names something that is no digest",
			bundle: func(f *fixture) [][]entry {
				d := f.digests()
				d["extra"] = "latest"
				return [][]entry{{file("version.json", version(tag)), file("images_digests.json", jsonOf(t, d))}}
			},
			want: []string{`images_digests.json: "extra" is "latest", not a digest (sha256:<64 hex>)`},
		},
		{
			name:   "a non-final image need not be named",
			report: func(f *fixture, r *pipeline.Report) { delete(r.Images, "images-digests-and-version") },
		},
		{
			name: "a final image of the report that images_digests.json does not name",
			report: func(f *fixture, r *pipeline.Report) {
				rec := r.Images["images-digests-and-version"]
				rec.Final = true
				r.Images["hello-module/extra"] = rec
			},
			want: []string{`images_digests.json has no digest of the final image "hello-module/extra"`},
		},
		{
			name: "several problems at once",
			bundle: func(f *fixture) [][]entry {
				return [][]entry{{file("version.json", version("v0")), file("images_digests.json", jsonOf(t, f.digests()))}}
			},
			release: func(f *fixture) [][]entry { return [][]entry{{file("./version.json", version("v0"))}} },
			want:    []string{"module hello-module v1.2.3 is not released: 3 problems:\n  - bundle image"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			bundle, release := f.bundle(tag), f.release(tag)
			if tt.bundle != nil {
				bundle = tt.bundle(f)
			}
			if tt.release != nil {
				release = tt.release(f)
			}
			report := f.push(imageOf(t, bundle...), imageOf(t, release...))
			if tt.report != nil {
				tt.report(f, report)
			}
			_, err := f.releaseOf(report, tag, nil).Run(context.Background())
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var ce *CheckError
			require.ErrorAs(t, err, &ce)
			replacer := strings.NewReplacer(
				"REPO:BUNDLE", report.Images[BundleImage].DockerImageName,
				"REPO:RELEASE", report.Images[ReleaseImage].DockerImageName,
				"REPO", f.repo,
				"HELLO", report.Images["hello-module/hello"].DockerImageDigest,
				"ECHO", report.Images["hello-module/echo"].DockerImageDigest,
			)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), replacer.Replace(w))
			}
			assert.Empty(t, digestAt(t, f.repo+":"+tag), "nothing published")
			assert.Empty(t, digestAt(t, f.repo+"/release:"+tag))
			assert.Empty(t, digestAt(t, f.source+":hello-module"))
		})
	}
}

// What the release needs besides the images' content.
func TestReleaseRefuses(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(f *fixture, r *Release)
		want   string
		prefix bool
	}{
		{"no tag", func(f *fixture, r *Release) { r.Tag = "" }, "--tag is required: the module's version, e.g. v1.2.3", false},
		{"bad tag", func(f *fixture, r *Release) { r.Tag = "v1/2" }, `--tag "v1/2": not an image tag`, true},
		{"no source", func(f *fixture, r *Release) { r.Target.Source = "" }, errNoSource.Error(), false},
		{"no report", func(f *fixture, r *Release) { r.Report = nil }, "no build report: release takes the report of the module's build (--build-report-path)", false},
		{"no bundle", func(f *fixture, r *Release) { delete(r.Report.Images, BundleImage) }, `the build report has no image "bundle"`, true},
		{"another repository", func(f *fixture, r *Release) { r.Target.Repo = f.reg.Host + "/elsewhere" },
			`the build report's image "bundle" is in "REPO", not in HOST/elsewhere: release the report of a build into HOST/elsewhere`, true},
		{"not in the registry", func(f *fixture, r *Release) {
			rec := r.Report.Images[ReleaseImage]
			rec.DockerTag, rec.DockerImageName = "gone", f.repo+":gone"
			r.Report.Images[ReleaseImage] = rec
		}, `the build report's image "release-channel-version", REPO:gone, is not in the registry: build again`, true},
		{"another digest", func(f *fixture, r *Release) {
			rec := r.Report.Images[BundleImage]
			rec.DockerImageDigest = "sha256:" + strings.Repeat("1", 64)
			r.Report.Images[BundleImage] = rec
		}, `the build report's image "bundle" is sha256:1111`, true},
		{"module name from module.yaml that is no repository name", func(f *fixture, r *Release) { r.Target.Name = "Hello" },
			`module name "Hello": not a repository name under HOST/modules`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.releaseOf(f.good(testTag), testTag, nil)
			tt.edit(f, &r)
			_, err := r.Run(context.Background())
			require.Error(t, err)
			want := strings.NewReplacer("REPO", f.repo, "HOST", f.reg.Host).Replace(tt.want)
			if tt.prefix {
				assert.True(t, strings.HasPrefix(err.Error(), want), err.Error())
			} else {
				assert.Equal(t, want, err.Error())
			}
		})
	}
}
