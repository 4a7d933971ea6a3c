package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// badInputYAML is a Stapel project whose image app has every kind of stage
// that can fail on bad input: shell stages, a git mapping and an import. The
// test replaces the words in capitals.
const badInputYAML = `configVersion: 1
project: bad
---
image: src
from: BASE
final: false
shell:
  install: [make /out]
---
image: app
from: BASE
git:
- add: /src
  to: GIT_TO
  GIT_OWNER
shell:
  beforeInstall: [echo before]
  install: [echo install]
  setup: [echo setup]
import:
- image: src
  add: IMPORT_ADD
  to: IMPORT_TO
  IMPORT_OWNER
  after: install
`

// badInputWorld is a registry with a base image that has users and groups,
// and the project committed.
type badInputWorld struct {
	t    *testing.T
	reg  *registrytest.Registry
	repo *gittest.Repo
	base string
}

func newBadInputWorld(t *testing.T) *badInputWorld {
	w := &badInputWorld{t: t, reg: registrytest.New(t), repo: gittest.New(t)}
	w.base = w.reg.Host + "/library/base:1"
	baseimage.PushFiles(t, w.base, map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
		"etc/group":  "root:x:0:\napp:x:1000:\n",
		"etc/motd":   "a file\n",
	})
	return w
}

// commit writes werf.yaml with the words in capitals replaced (a word
// replace leaves out takes its valid default) and commits.
func (w *badInputWorld) commit(replace map[string]string) {
	w.t.Helper()
	yaml := strings.ReplaceAll(badInputYAML, "BASE", w.base)
	for k, v := range map[string]string{"GIT_TO": "/app", "GIT_OWNER": "", "IMPORT_OWNER": "", "IMPORT_ADD": "/out", "IMPORT_TO": "/srv"} {
		if r, ok := replace[k]; ok {
			v = r
		}
		yaml = strings.ReplaceAll(yaml, k, v)
	}
	w.repo.CommitFiles(map[string]string{"werf.yaml": yaml, "src/main.sh": "echo main\n"})
}

func (w *badInputWorld) repoAddress() string { return w.reg.Host + "/bad" }

func (w *badInputWorld) build(fake *enginetest.Fake) (*pipeline.Report, string, error) {
	w.t.Helper()
	snap, err := source.Open(w.repo.Dir)
	require.NoError(w.t, err)
	cfg, err := config.Load(snap, config.Options{})
	require.NoError(w.t, err)
	plan, err := pipeline.NewPlan(cfg, pipeline.WithPlatforms("linux/amd64"))
	require.NoError(w.t, err)
	storage, err := registry.New("bad", w.repoAddress())
	require.NoError(w.t, err)
	var log strings.Builder
	report, err := (&pipeline.Build{Config: cfg, Snapshot: snap, Plan: plan, Storage: storage, Builder: fake, Log: &log, Version: "test", Records: true}).Run(context.Background())
	return report, log.String(), err
}

// writesOut makes src's install write what app imports.
func writesOut() *enginetest.Fake {
	return &enginetest.Fake{ShellWrites: map[string]map[string]string{"src/install": {"out/a.txt": "a\n"}}}
}

// Bad input fails the image with one error that names the image, the stage
// and the cause, once each; the stages published before the failure are
// whole images with werf's labels, and once the input is fixed the next run
// finds them and builds from the failed stage on.
func TestStapelBadInput(t *testing.T) {
	tests := []struct {
		name  string
		bad   map[string]string // werf.yaml replacements of the bad run
		fail  map[string]error  // Fake.ShellFail of the bad run
		cause string            // in the error
		stage string            // the stage named
		// app's stages published before the failure, found by the next run
		found []string
	}{
		{
			name:  "a failing command",
			fail:  map[string]error{"app/setup": errors.New("command 1 of 1: echo setup: exit code 3")},
			stage: "setup",
			cause: "echo setup: exit code 3",
			found: []string{"from", "beforeInstall", "gitArchive", "install", "dependenciesAfterInstall"},
		},
		{
			name:  "an import whose add is missing in the source",
			bad:   map[string]string{"IMPORT_ADD": "/missing"},
			stage: "dependenciesAfterInstall",
			cause: "/missing",
			found: []string{"from", "beforeInstall", "gitArchive", "install"},
		},
		{
			// (An import's `to` there is no error: werf's copy-recurse
			// replaces the file with a directory, and so does dagwerf.)
			name:  "a git mapping's to below a file of the image",
			bad:   map[string]string{"GIT_TO": "/etc/motd/app"},
			stage: "gitArchive",
			cause: "mkdir /etc/motd: not a directory",
			found: []string{"from", "beforeInstall"},
		},
		{
			name:  "an import's owner missing in the image",
			bad:   map[string]string{"IMPORT_OWNER": "owner: nobody-here"},
			stage: "dependenciesAfterInstall",
			cause: "nobody-here",
			found: []string{"from", "beforeInstall", "gitArchive", "install"},
		},
		{
			name:  "a git mapping's group missing in the image",
			bad:   map[string]string{"GIT_OWNER": "group: no-such-group"},
			stage: "gitArchive",
			cause: "no-such-group",
			found: []string{"from", "beforeInstall"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newBadInputWorld(t)
			w.commit(tt.bad)
			fake := writesOut()
			fake.ShellFail = tt.fail
			_, log, err := w.build(fake)
			require.Error(t, err)
			msg := err.Error()
			t.Log(msg)
			assert.Equal(t, 1, strings.Count(msg, `image "app"`), "the image, once: %s", msg)
			assert.Equal(t, 1, strings.Count(msg, "stage "+tt.stage), "the stage, once: %s", msg)
			assert.Contains(t, msg, tt.cause)
			assert.NotContains(t, msg, `image "src"`)
			assert.Contains(t, log, `image app: failed`)

			// What is in the repository are whole stages with werf's labels.
			stored := listTags(t, w.repoAddress())
			for _, tag := range stored {
				if !strings.Contains(tag, "-") || strings.HasPrefix(tag, "import-metadata-") || strings.HasPrefix(tag, "managed-image-") || strings.HasPrefix(tag, "meta-") {
					continue
				}
				cfg := configOf(t, w.repoAddress()+":"+tag)
				assert.NotEmpty(t, cfg.Config.Labels["werf-stage-content-digest"], tag)
				ref, err := name.ParseReference(w.repoAddress() + ":" + tag)
				require.NoError(t, err)
				img, err := remote.Image(ref)
				require.NoError(t, err)
				layers, err := img.Layers()
				require.NoError(t, err)
				for _, l := range layers {
					rc, err := l.Compressed()
					require.NoError(t, err, tag)
					rc.Close()
				}
			}

			// Fixed: what was published is found, the rest is built.
			if len(tt.bad) > 0 {
				w.commit(nil)
			} // else the same commit: what failed was the command, not werf.yaml
			report, log, err := w.build(writesOut())
			require.NoError(t, err, log)
			var want []string
			for _, s := range report.Images["app"].Stages {
				if len(want) < len(tt.found) {
					want = append(want, tt.found[len(want)])
				} else {
					want = append(want, s.Name+"*")
				}
			}
			assert.Equal(t, want, stageList(report, "app"))
			assert.False(t, report.Images["src"].Rebuilt, "src was published before app failed")
		})
	}
}

// A `to` outside the image (relative, or climbing above the root) is refused
// with the config, naming werf.yaml's line, the image and the key, before
// anything is built.
func TestStapelToOutsideTheImage(t *testing.T) {
	for _, to := range []string{"../srv", "srv"} {
		w := newBadInputWorld(t)
		w.commit(map[string]string{"IMPORT_TO": to})
		snap, err := source.Open(w.repo.Dir)
		require.NoError(t, err)
		_, err = config.Load(snap, config.Options{})
		require.Error(t, err, to)
		assert.Contains(t, err.Error(), "werf.yaml:")
		assert.Contains(t, err.Error(), `image "app"`)
		assert.Contains(t, err.Error(), `import[0].to: "`+to+`" is not an absolute path`)
	}
}
