package engine

import (
	"archive/tar"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/test/baseimage"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// shellWorld is an engine, a registry, and for each platform with a busybox
// a previous stage to run user stages on: busybox with a config of its own
// (user, workdir, env, entrypoint, cmd, a label) that the stage must keep.
type shellWorld struct {
	t    *testing.T
	reg  *registrytest.Registry
	eng  *Engine
	log  *syncBuffer
	base map[string]string // platform → the previous stage's reference
	auth authn.Authenticator
}

var baseConfig = v1.Config{
	Env:        []string{"PATH=/usr/local/bin:/bin", "FROM_BASE=base value"},
	User:       "1000:1000",
	WorkingDir: "/srv",
	Entrypoint: []string{"/bin/echo", "entry"},
	Cmd:        []string{"cmd-arg"},
	Labels:     map[string]string{"werf": "shelltest", "from-base": "kept"},
}

func newShellWorld(t *testing.T) *shellWorld {
	t.Helper()
	return newShellWorldAuth(t, "", "")
}

// newShellWorldAuth is a shellWorld whose registry demands these credentials
// (none when user is ""), which the engine is given.
func newShellWorldAuth(t *testing.T, user, password string) *shellWorld {
	t.Helper()
	enginetest.Require(t)
	var regOpts []registrytest.Option
	var opts []Option
	auth := authn.Anonymous
	if user != "" {
		regOpts = append(regOpts, registrytest.WithBasicAuth(user, password))
		opts = append(opts, WithCredentials(func(context.Context, string) (string, string, bool, error) { return user, password, true, nil }))
		auth = &authn.Basic{Username: user, Password: password}
	}
	w := &shellWorld{t: t, reg: registrytest.New(t, regOpts...), log: &syncBuffer{}, base: map[string]string{}, auth: auth}
	for platform := range baseimage.Binaries() {
		img, err := baseimage.Image(platform)
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		cf = cf.DeepCopy()
		cf.Config = baseConfig
		img, err = mutate.ConfigFile(img, cf)
		require.NoError(t, err)
		ref := fmt.Sprintf("%s/shelltest:base-%s", w.reg.Host, strings.ReplaceAll(platform, "/", "-"))
		r, err := name.ParseReference(ref)
		require.NoError(t, err)
		require.NoError(t, remote.Write(r, img, remote.WithAuth(auth)))
		w.base[platform] = ref
	}
	if len(w.base) == 0 {
		t.Skip("no static busybox: install Debian's busybox-static (apt-get install busybox-static)")
	}
	w.eng = New(append(opts, WithLog(w.log))...)
	t.Cleanup(func() { _ = w.eng.Close() })
	return w
}

func (w *shellWorld) platforms() []string {
	var ps []string
	for p := range w.base {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

var probe = &config.Image{Name: "probe", Stapel: &config.Stapel{}}

// run runs a stage and pushes it to tag, returning its reference.
func (w *shellWorld) run(req pipeline.ShellRequest, tag string) (string, error) {
	w.t.Helper()
	if req.Image == nil {
		req.Image = probe
	}
	built, err := w.eng.RunShell(context.Background(), req)
	if err != nil {
		return "", err
	}
	ref, err := name.NewTag(w.reg.Host + "/shelltest:" + tag)
	require.NoError(w.t, err)
	require.NoError(w.t, built.Push(context.Background(), ref, map[string]string{"werf-stage-content-digest": "d-" + tag}))
	return ref.String(), nil
}

// Every command runs in order in werf's shell, as root in /, with the image's
// environment and werf's commit variables; the stage keeps the previous
// stage's config and adds only those variables; neither the script, nor the
// mounts, nor the secret are in the image, its config or the log. Only shell
// builtins are used: they run under emulation too (dagger-facts.md).
func TestRunShellAsWerf(t *testing.T) {
	w := newShellWorld(t)
	env := pipeline.StapelCommitEnv("0123456789abcdef0123456789abcdef01234567", time.Unix(1796522108, 0).In(time.FixedZone("", 2*3600)))
	for _, platform := range w.platforms() {
		t.Run(platform, func(t *testing.T) {
			ref, err := w.run(pipeline.ShellRequest{
				Platform: platform,
				Stage:    "beforeInstall",
				Base:     w.base[platform],
				Commands: []string{
					"echo first > /srv/order",
					"echo second >> /srv/order",
					"pwd > /srv/pwd",
					"export -p > /srv/env",
					`while read -r k v rest; do if [ "$k" = "Uid:" ]; then echo "$v"; fi; done < /proc/self/status > /srv/uid`,
					`echo "$0" > /srv/argv0`,
					"cd /tmp",
					"pwd > /srv/pwd-after-cd",
					"for f in /var/cache/t/*; do echo \"$f\"; done > /srv/tmp-listing\necho in-tmp > /var/cache/t/file",
					`read -r v < /run/secrets/token || [ -n "$v" ]; if [ "$v" = "s3cret-""shell-value" ]; then echo seen > /srv/secret-seen; fi`,
				},
				Mounts:  []pipeline.ShellMount{{To: "/var/cache/t", Kind: config.MountTmpDir}},
				Secrets: []pipeline.Secret{{ID: "token", Value: []byte("s3cret-shell-value")}},
				Env:     env,
			}, "as-werf-"+strings.ReplaceAll(platform, "/", "-"))
			require.NoError(t, err)

			files, dirs := imageFiles(t, ref, true)
			assert.Equal(t, "first\nsecond\n", files["srv/order"], "in order")
			assert.Equal(t, "/\n", files["srv/pwd"], "werf's working directory")
			assert.Equal(t, "0\n", files["srv/uid"], "werf's user, 0:0")
			assert.Equal(t, "/.werf/script.sh\n", files["srv/argv0"], "werf's script")
			assert.Equal(t, "/tmp\n", files["srv/pwd-after-cd"], "one shell for all the commands")
			assert.Contains(t, files["srv/env"], "FROM_BASE='base value'", "the image's environment")
			assert.Contains(t, files["srv/env"], "WERF_COMMIT_HASH='0123456789abcdef0123456789abcdef01234567'")
			assert.Contains(t, files["srv/env"], "WERF_COMMIT_TIME_HUMAN='2026-12-06 03:55:08 +0200 +0200'")
			assert.Contains(t, files["srv/env"], "WERF_COMMIT_TIME_UNIX='1796522108'")
			assert.Equal(t, "/var/cache/t/*\n", files["srv/tmp-listing"], "tmp_dir starts empty")
			assert.Equal(t, "seen\n", files["srv/secret-seen"], "the secret was readable")

			last, _ := imageFiles(t, ref, false)
			for p := range last {
				assert.False(t, strings.HasPrefix(p, ".werf") || strings.HasPrefix(p, "run/") || strings.HasPrefix(p, "var/"), "%s in the stage's layer", p)
			}
			for _, d := range dirs {
				assert.NotContains(t, []string{".werf", "run/secrets", "var/cache/t"}, d, "a mount point left in the stage")
			}

			img := remoteImage(t, ref)
			cf, err := img.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, baseConfig.User, cf.Config.User)
			assert.Equal(t, baseConfig.WorkingDir, cf.Config.WorkingDir)
			assert.Equal(t, baseConfig.Entrypoint, cf.Config.Entrypoint)
			assert.Equal(t, baseConfig.Cmd, cf.Config.Cmd)
			assert.Equal(t, append(slices.Clone(baseConfig.Env),
				"WERF_COMMIT_HASH=0123456789abcdef0123456789abcdef01234567",
				"WERF_COMMIT_TIME_HUMAN=2026-12-06 03:55:08 +0200 +0200",
				"WERF_COMMIT_TIME_UNIX=1796522108"), cf.Config.Env, "werf commits the run's variables into the config")
			assert.Equal(t, "kept", cf.Config.Labels["from-base"])
			assert.Equal(t, "d-as-werf-"+strings.ReplaceAll(platform, "/", "-"), cf.Config.Labels["werf-stage-content-digest"])
			assert.Equal(t, platform, cf.Platform().String())
			layers, err := img.Layers()
			require.NoError(t, err)
			baseLayers, err := remoteImage(t, w.base[platform]).Layers()
			require.NoError(t, err)
			assert.Len(t, layers, len(baseLayers)+1, "the previous stage's layers and one more")

			raw, err := img.RawConfigFile()
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "s3cret-shell-value")
			assert.NotContains(t, strings.Join(mapValues(files), ""), "s3cret-shell-value")
			assert.NotContains(t, w.log.String(), "s3cret-shell-value")
		})
	}
}

// A failing command fails the stage: the error names the image, the stage,
// the command and its exit code, and shows the end of the output.
func TestRunShellFailure(t *testing.T) {
	w := newShellWorld(t)
	platform := w.platforms()[0]
	_, err := w.run(pipeline.ShellRequest{
		Platform: platform,
		Stage:    "install",
		Base:     w.base[platform],
		Commands: []string{
			"echo preparing",
			"i=0; while [ $i -lt 50 ]; do echo line-$i; i=$((i+1)); done; echo on-stderr >&2; exit 3",
			"echo never > /srv/never",
		},
	}, "failing")
	require.Error(t, err)
	var failure *shellFailure
	require.ErrorAs(t, err, &failure)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, fmt.Sprintf(`image "probe" (%s), stage install, command 2 of 3: i=0; while [ $i -lt 50 ]; do echo line-$i; i=$((i+1)); done; echo on-stderr >&2; exit 3: exit code 3`+"\n", platform)), msg)
	assert.Contains(t, msg, "  | line-49\n  | on-stderr")
	assert.Contains(t, msg, "  … 12 lines before\n  | line-11\n", "the last 40 lines")
	assert.NotContains(t, msg, "line-10\n")
	assert.NotContains(t, msg, failedCommandMark)
}

// A build_dir is one cache volume for every stage of its key; a tmp_dir is
// empty in each stage; neither is in an image.
func TestRunShellMounts(t *testing.T) {
	w := newShellWorld(t)
	platform := w.platforms()[0]
	key := "dagwerf-test-build-dir-" + randomHex(t)
	mounts := []pipeline.ShellMount{
		{To: "/var/cache/build", Kind: config.MountBuildDir, CacheKey: key},
		{To: "/var/cache/tmp", Kind: config.MountTmpDir},
	}
	first, err := w.run(pipeline.ShellRequest{
		Platform: platform, Stage: "beforeInstall", Base: w.base[platform], Mounts: mounts,
		Commands: []string{"echo from-first >> /var/cache/build/log", "echo from-first > /var/cache/tmp/file"},
	}, "mounts-first")
	require.NoError(t, err)
	second, err := w.run(pipeline.ShellRequest{
		Platform: platform, Stage: "install", Base: first, Mounts: mounts,
		Commands: []string{
			"while read -r l; do echo \"$l\"; done < /var/cache/build/log > /srv/build-dir-seen",
			"for f in /var/cache/tmp/*; do echo \"$f\"; done > /srv/tmp-listing",
		},
	}, "mounts-second")
	require.NoError(t, err)

	files, dirs := imageFiles(t, second, true)
	assert.Equal(t, "from-first\n", files["srv/build-dir-seen"], "the build_dir persisted")
	assert.Equal(t, "/var/cache/tmp/*\n", files["srv/tmp-listing"], "the tmp_dir is empty again")
	for p := range files {
		assert.False(t, strings.HasPrefix(p, "var/"), "%s in the image", p)
	}
	assert.NotContains(t, dirs, "var/cache/build")
	assert.NotContains(t, dirs, "var/cache/tmp")
}

// A fromPath mount is the host directory, read and written as werf's bind
// mount is; it is not in the image.
func TestRunShellHostDirectory(t *testing.T) {
	w := newShellWorld(t)
	platform := w.platforms()[0]
	host := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(host, "on-host"), []byte("host content\n"), 0o644))
	ref, err := w.run(pipeline.ShellRequest{
		Platform: platform, Stage: "setup", Base: w.base[platform],
		Mounts: []pipeline.ShellMount{{To: "/mnt/host", Kind: config.MountCustomDir, FromPath: host}},
		Commands: []string{
			"read -r l < /mnt/host/on-host; echo \"$l\" > /srv/read-from-host",
			"echo from-stage > /mnt/host/written",
		},
	}, "host-dir")
	require.NoError(t, err)
	files, dirs := imageFiles(t, ref, true)
	assert.Equal(t, "host content\n", files["srv/read-from-host"])
	_, inImage := files["mnt/host/on-host"]
	assert.False(t, inImage)
	assert.NotContains(t, dirs, "mnt/host")
	written, err := os.ReadFile(filepath.Join(host, "written"))
	require.NoError(t, err, "the stage's write reached the host directory")
	assert.Equal(t, "from-stage\n", string(written))
}

// A registry that demands credentials gets them for the previous stage's
// pull as for the push.
func TestRunShellWithCredentials(t *testing.T) {
	w := newShellWorldAuth(t, "ci", "s3cret-registry-password")
	platform := w.platforms()[0]
	ref, err := w.run(pipeline.ShellRequest{
		Platform: platform, Stage: "install", Base: w.base[platform],
		Commands: []string{"echo authenticated > /srv/auth"},
	}, "auth")
	require.NoError(t, err)
	cf, err := remoteImage(t, ref, remote.WithAuth(w.auth)).ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "kept", cf.Config.Labels["from-base"])
	assert.NotContains(t, w.log.String(), "s3cret-registry-password")
}

// imageFiles reads an image's regular files and directories: of the whole
// filesystem, or of its last layer only.
func imageFiles(t *testing.T, ref string, flattened bool) (map[string]string, []string) {
	t.Helper()
	img := remoteImage(t, ref)
	var rc io.ReadCloser
	if flattened {
		rc = mutate.Extract(img)
	} else {
		layers, err := img.Layers()
		require.NoError(t, err)
		rc, err = layers[len(layers)-1].Uncompressed()
		require.NoError(t, err)
	}
	defer rc.Close()
	files := map[string]string{}
	var dirs []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, dirs
		}
		require.NoError(t, err)
		p := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		switch h.Typeflag {
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			files[p] = string(data)
		case tar.TypeDir:
			dirs = append(dirs, p)
		default:
			files[p] = ""
		}
	}
}

func remoteImage(t *testing.T, ref string, opts ...remote.Option) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	img, err := remote.Image(r, opts...)
	require.NoError(t, err)
	return img
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// syncBuffer is the engine's log, written by the SDK's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
