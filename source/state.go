package source

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// FileState is how a file on disk compares with the snapshot.
type FileState int

const (
	Unchanged FileState = iota // same content on disk and in the snapshot
	Untracked                  // on disk only
	Modified                   // in the snapshot, but different or deleted on disk
	Absent                     // in neither
)

// FileState compares the file at a project-relative path on disk with the snapshot,
// hashing the disk file as git would. It is how giterminism tells a committed file
// from one with local changes without walking the whole working tree.
func (s *Snapshot) FileState(rel string) (FileState, error) {
	p, err := Clean(rel)
	if err != nil {
		return Absent, err
	}
	entry, err := s.Lookup(p)
	inSnapshot := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Absent, err
	}
	abs := filepath.Join(s.ProjectDir(), filepath.FromSlash(p))
	fi, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		if inSnapshot {
			return Modified, nil
		}
		return Absent, nil
	case err != nil:
		return Absent, err
	case !inSnapshot:
		return Untracked, nil
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		if entry.Mode != filemode.Symlink {
			return Modified, nil
		}
		target, err := os.Readlink(abs)
		if err != nil {
			return Absent, err
		}
		committed, err := s.objects.blob(entry.Hash)
		if err != nil {
			return Absent, err
		}
		if string(committed) != filepath.ToSlash(target) {
			return Modified, nil
		}
	case fi.Mode().IsRegular():
		if entry.Mode != filemode.Regular && entry.Mode != filemode.Executable && entry.Mode != filemode.Deprecated {
			return Modified, nil
		}
		h, err := hashFile(abs, fi.Size())
		if err != nil {
			return Absent, err
		}
		if h != entry.Hash {
			return Modified, nil
		}
	case fi.IsDir():
		if !entry.IsDir() {
			return Modified, nil
		}
	default:
		return Modified, nil
	}
	return Unchanged, nil
}
