package enginetest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dagwerf/dagwerf/pipeline"
)

// ShellFile is where the stand-in's stage layer lists the commands it was
// given: ShellFile(stage) holds them, one a line, for a test to read back.
func ShellFile(stage string) string { return path.Join("fake-shell", stage) }

// RunShell records the request and returns the previous stage (read from the
// registry, for the request's platform) plus one layer with ShellFile(stage)
// listing the commands, and req.Env in its config, as the engine adds it.
func (f *Fake) RunShell(ctx context.Context, req pipeline.ShellRequest) (pipeline.Built, error) {
	f.mu.Lock()
	f.ShellRequests = append(f.ShellRequests, req)
	imgName := ""
	if req.Image != nil {
		imgName = req.Image.Name
	}
	err := f.ShellFail[imgName+"/"+req.Stage]
	writes := f.ShellWrites[imgName+"/"+req.Stage]
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	ref, err := name.ParseReference(req.Base)
	if err != nil {
		return nil, fmt.Errorf("the previous stage %q: %w", req.Base, err)
	}
	opts := []remote.Option{remote.WithContext(ctx)}
	if req.Platform != "" {
		p, err := v1.ParsePlatform(req.Platform)
		if err != nil {
			return nil, err
		}
		opts = append(opts, remote.WithPlatform(*p))
	}
	base, err := remote.Image(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("read the previous stage %s: %w", req.Base, err)
	}
	layer, err := commandsLayer(ShellFile(req.Stage), req.Commands, writes)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	for _, k := range slices.Sorted(maps.Keys(req.Env)) {
		cf.Config.Env = setEnv(cf.Config.Env, k, req.Env[k])
	}
	img, err = mutate.ConfigFile(img, cf)
	return fakeShellBuilt{img: img}, err
}

// Shells counts the user stages asked for.
func (f *Fake) Shells() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ShellRequests)
}

func commandsLayer(file string, commands []string, writes map[string]string) (v1.Layer, error) {
	var content strings.Builder
	for _, c := range commands {
		content.WriteString(c + "\n")
	}
	files := map[string]string{file: content.String()}
	for p, c := range writes {
		files[strings.TrimPrefix(path.Clean("/"+p), "/")] = c
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	dirs := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return nil, err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if err := tw.WriteHeader(&tar.Header{Name: p, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(files[p]))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(files[p])); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := b.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// fakeShellBuilt pushes a stage with the labels added to the previous
// stage's, as the engine's WithLabel does.
type fakeShellBuilt struct{ img v1.Image }

func (b fakeShellBuilt) Push(ctx context.Context, ref name.Tag, labels map[string]string) error {
	cfg, err := b.img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	if cfg.Config.Labels == nil {
		cfg.Config.Labels = map[string]string{}
	}
	maps.Copy(cfg.Config.Labels, labels)
	img, err := mutate.ConfigFile(b.img, cfg)
	if err != nil {
		return err
	}
	return remote.Write(ref, img, remote.WithContext(ctx))
}

var _ pipeline.ShellBuilder = (*Fake)(nil)
