package layer

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Builder makes the layer of one Stapel stage over the previous stage's image:
// call the stage's steps in werf's order (imports, then git archives or
// patches), then Layer, then Close once the layer is pushed. It is not safe for
// concurrent use.
type Builder struct {
	base v1.Image
	opts options

	fs       *fsys
	baseImg  *image
	sp       *spool
	sources  map[v1.Image]*image
	removals []removal
	layer    string // the layer's file, once written
}

type options struct {
	tempDir string
	modTime time.Time
	warnf   func(format string, args ...any)
}

// Option configures a Builder.
type Option func(*options)

// WithTempDir is where the Builder keeps the layer and the file contents it
// takes from images; os.TempDir() by default.
func WithTempDir(dir string) Option { return func(o *options) { o.tempDir = dir } }

// WithModTime is the modification time of what the stage makes; the Unix
// epoch by default. (werf's is the time of the build.)
func WithModTime(t time.Time) Option { return func(o *options) { o.modTime = t } }

// WithWarnings receives werf's warnings (an import skipping a device or a
// FIFO); nil drops them.
func WithWarnings(f func(format string, args ...any)) Option {
	return func(o *options) { o.warnf = f }
}

// New starts the layer of a stage over base, the previous stage's image (nil:
// scratch). Nothing is read before the first step.
func New(base v1.Image, opts ...Option) *Builder {
	o := options{modTime: time.Unix(0, 0).UTC()}
	for _, f := range opts {
		f(&o)
	}
	return &Builder{base: base, opts: o, sources: map[v1.Image]*image{}}
}

var errDone = errors.New("the layer is already made")

// init reads the base image's metadata, and the contents of /etc/passwd and
// /etc/group (small, and the files Owner reads), once.
func (b *Builder) init(ctx context.Context) error {
	if b.layer != "" {
		return errDone
	}
	if b.fs != nil {
		return nil
	}
	sp, err := newSpool(b.opts.tempDir)
	if err != nil {
		return err
	}
	keep := func(p string) bool { return p == "etc/passwd" || p == "etc/group" }
	im, err := readImage(ctx, b.base, "the previous stage", keep, sp)
	if err != nil {
		sp.close()
		return err
	}
	b.sp, b.baseImg = sp, im
	b.fs = &fsys{root: im.root, modTime: b.opts.modTime}
	return nil
}

func (b *Builder) warnf(format string, args ...any) {
	if b.opts.warnf != nil {
		b.opts.warnf(format, args...)
	}
}

// Layer ends the stage: werf removes what patches deleted after every other
// step, then the stage's changes are written as one gzipped tar layer. The
// layer reads a temporary file that Close removes.
func (b *Builder) Layer(ctx context.Context) (v1.Layer, error) {
	if err := b.init(ctx); err != nil {
		return nil, err
	}
	if err := b.applyRemovals(); err != nil {
		return nil, err
	}
	entries, err := b.diff(ctx)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(b.opts.tempDir, "dagwerf-layer-*.tar.gz")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for the layer: %w", err)
	}
	b.layer = f.Name()
	zw := gzip.NewWriter(f)
	err = writeTar(zw, entries)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write the layer: %w", err)
	}
	return tarball.LayerFromFile(b.layer)
}

// Close removes the Builder's temporary files: the layer can no longer be read.
func (b *Builder) Close() error {
	err := b.sp.close()
	b.sp = nil
	if b.layer != "" {
		if rerr := os.Remove(b.layer); err == nil && !errors.Is(rerr, os.ErrNotExist) {
			err = rerr
		}
	}
	return err
}
