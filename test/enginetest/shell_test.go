package enginetest

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// The stand-in's stage is the previous stage plus a layer listing the
// commands, with the request's environment and the pushed labels added to
// the previous config.
func TestFakeRunShell(t *testing.T) {
	reg := registrytest.New(t)
	base, err := random.Image(64, 1)
	require.NoError(t, err)
	cf, err := base.ConfigFile()
	require.NoError(t, err)
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "arm64", "linux"
	cf.Config.Env = []string{"PATH=/bin", "WERF_COMMIT_HASH=old"}
	cf.Config.User = "app"
	cf.Config.Labels = map[string]string{"from-base": "kept"}
	base, err = mutate.ConfigFile(base, cf)
	require.NoError(t, err)
	baseRef, err := name.NewTag(reg.Host + "/app:base")
	require.NoError(t, err)
	require.NoError(t, remote.Write(baseRef, base))

	f := &Fake{ShellFail: map[string]error{"app/setup": errors.New("setup broke")}}
	img := &config.Image{Name: "app"}
	req := pipeline.ShellRequest{
		Image: img, Platform: "linux/arm64", Stage: "install", Base: baseRef.String(),
		Commands: []string{"echo one", "make all"},
		Env:      map[string]string{"WERF_COMMIT_HASH": "new", "WERF_COMMIT_TIME_UNIX": "1"},
	}
	built, err := f.RunShell(context.Background(), req)
	require.NoError(t, err)
	ref, err := name.NewTag(reg.Host + "/app:install")
	require.NoError(t, err)
	require.NoError(t, built.Push(context.Background(), ref, map[string]string{"werf": "p"}))

	got, err := remote.Image(ref)
	require.NoError(t, err)
	gotCf, err := got.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, []string{"PATH=/bin", "WERF_COMMIT_HASH=new", "WERF_COMMIT_TIME_UNIX=1"}, gotCf.Config.Env)
	assert.Equal(t, "app", gotCf.Config.User)
	assert.Equal(t, map[string]string{"from-base": "kept", "werf": "p"}, gotCf.Config.Labels)
	assert.Equal(t, v1.Platform{OS: "linux", Architecture: "arm64"}, *gotCf.Platform())
	layers, err := got.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 2)
	assert.Equal(t, map[string]string{"fake-shell/install": "echo one\nmake all\n"}, layerFiles(t, layers[1]))

	_, err = f.RunShell(context.Background(), pipeline.ShellRequest{Image: img, Stage: "setup", Base: baseRef.String()})
	assert.EqualError(t, err, "setup broke")
	assert.Equal(t, 2, f.Shells())
	assert.Equal(t, req, f.ShellRequests[0])
}

func layerFiles(t *testing.T, l v1.Layer) map[string]string {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	out := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			out[h.Name] = string(data)
		}
	}
}
