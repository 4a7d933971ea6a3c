package layer

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// blob is a file's content: where it is read from when the layer is written.
type blob struct {
	size int64 // -1: known once read (a git blob)
	// read opens the content; nil until it is at hand (an image's file whose
	// layer has not been read for it yet: see image.fetch).
	read func() (io.Reader, error)
	// from, layer, entry locate an image's file: its layer and its entry's
	// number in that layer's archive.
	from  *image
	layer int
	entry int
}

// open opens the content and tells its size.
func (b *blob) open() (io.Reader, int64, error) {
	if b.read == nil {
		return nil, 0, fmt.Errorf("content of entry %d of layer %d of %s not read", b.entry, b.layer+1, b.from.name)
	}
	r, err := b.read()
	if err != nil {
		return nil, 0, err
	}
	if b.size >= 0 {
		return r, b.size, nil
	}
	// Read whole: a git blob is in memory once read.
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// gitBlob is a git blob, read when the layer is written: the files of a
// mapping are not all held in memory at once.
func gitBlob(f gitmap.File) *blob {
	return &blob{size: -1, read: func() (io.Reader, error) {
		b, err := f.Read()
		if err != nil {
			return nil, err
		}
		return bytes.NewReader(b), nil
	}}
}

// spool keeps the contents of image files in one temporary file, to be read
// back when the layer is written.
type spool struct {
	f    *os.File
	size int64
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "dagwerf-layer-contents-*")
	if err != nil {
		return nil, fmt.Errorf("a temporary file for layer contents: %w", err)
	}
	return &spool{f: f}, nil
}

// keep copies n bytes of r into the spool and makes b read them from there.
func (s *spool) keep(b *blob, r io.Reader, n int64) error {
	off := s.size
	written, err := io.Copy(io.NewOffsetWriter(s.f, off), io.LimitReader(r, n))
	if err != nil {
		return fmt.Errorf("keep layer contents: %w", err)
	}
	if written != n {
		return fmt.Errorf("keep layer contents: %d bytes of %d", written, n)
	}
	s.size += n
	f := s.f
	b.read = func() (io.Reader, error) { return io.NewSectionReader(f, off, n), nil }
	return nil
}

func (s *spool) close() error {
	if s == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}
