package gitmap

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/lstree"
)

// File is one file of werf's git archive of a mapping
// (pkg/true_git/archive.go writeArchive): a regular file or a symlink, its
// content a git blob (a symlink's is its target).
type File struct {
	// Name is the file's name in the archive: relative to the path scope, a
	// mapped single file renamed to the base name of `to`.
	Name string
	// Mode is git's: filemode.Regular, Executable, Deprecated or Symlink.
	Mode filemode.FileMode
	Hash plumbing.Hash

	snap *source.Snapshot // where the blob is: the repository's or a submodule's
}

// Read reads the file's blob.
func (f File) Read() ([]byte, error) {
	b, err := f.snap.ReadBlob(f.Hash)
	if err != nil {
		return nil, fmt.Errorf("read git blob %s of %s: %w", f.Hash, f.Name, err)
	}
	return b, nil
}

// ArchiveFiles are the files of werf's git archive of the mapping at Latest,
// in werf's order: the repository's files by path, then each submodule's (by
// the submodule's path), recursively. Directories are not listed: werf's
// archive makes each one as the parent of the first file below it.
func (m *Mapping) ArchiveFiles(ctx context.Context) ([]File, error) {
	commit := m.latest.Commit
	scope, err := m.pathScope(commit)
	if err != nil {
		return nil, err
	}
	renames, err := m.fileRenames(commit)
	if err != nil {
		return nil, err
	}
	snap, err := m.repo.snapshot(commit)
	if err != nil {
		return nil, err
	}
	res, err := lstree.Walk(ctx, snap, scope, m.matcher, lstree.Options{AllFiles: true})
	if err != nil {
		return nil, fmt.Errorf("git archive of %s at commit %s: %w", m.repo, commit, err)
	}
	if res.Empty() {
		return nil, fmt.Errorf("git archive of %s at commit %s: nothing to archive with path scope %q: %w", m.repo, commit, scope, m.EmptyError())
	}
	var out []File
	if err := res.Range(snap, func(e lstree.Entry, s *source.Snapshot) error {
		switch e.Mode {
		case filemode.Regular, filemode.Executable, filemode.Deprecated, filemode.Symlink:
		default:
			return fmt.Errorf("git archive of %s: %s has unexpected git file mode %s", m.repo, e.Path, e.Mode)
		}
		name, ok := renames[e.Path]
		if !ok {
			name = relPath(scope, e.Path)
		}
		out = append(out, File{Name: name, Mode: e.Mode, Hash: e.Hash, snap: s})
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// relPath is p relative to the path scope ("" or "." is the repository's
// root), as werf's GetRelativeToBaseFilepath gives it.
func relPath(scope, p string) string {
	scope = path.Clean(scope)
	if scope == "." {
		return p
	}
	return strings.TrimPrefix(p, scope+"/")
}

// To is where the mapping puts its files in the image (`to`, cleaned).
func (m *Mapping) To() string { return m.spec.to }
