package gitmap

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
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
	res, err := lsTree(ctx, snap, scope, m.matcher, true)
	if err != nil {
		return nil, fmt.Errorf("git archive of %s at commit %s: %w", m.repo, commit, err)
	}
	if res.empty() {
		return nil, fmt.Errorf("git archive of %s at commit %s: nothing to archive with path scope %q: %w", m.repo, commit, scope, m.EmptyError())
	}
	var out []File
	if err := archiveWalk(res, snap, func(e lsEntry, s *source.Snapshot) error {
		switch e.mode {
		case filemode.Regular, filemode.Executable, filemode.Deprecated, filemode.Symlink:
		default:
			return fmt.Errorf("git archive of %s: %s has unexpected git file mode %s", m.repo, e.path, e.mode)
		}
		name, ok := renames[e.path]
		if !ok {
			name = relPath(scope, e.path)
		}
		out = append(out, File{Name: name, Mode: e.mode, Hash: e.hash, snap: s})
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// archiveWalk visits a result's entries in werf's Result.Walk order, each
// with the snapshot its objects are read from.
func archiveWalk(r *lsResult, snap *source.Snapshot, fn func(lsEntry, *source.Snapshot) error) error {
	slices.SortFunc(r.entries, func(a, b lsEntry) int { return strings.Compare(a.path, b.path) })
	for _, e := range r.entries {
		if err := fn(e, snap); err != nil {
			return err
		}
	}
	slices.SortFunc(r.submodules, func(a, b lsSubmodule) int { return strings.Compare(a.path, b.path) })
	for _, s := range r.submodules {
		if err := archiveWalk(s.result, s.snap, fn); err != nil {
			return err
		}
	}
	return nil
}

// relPath is p relative to the path scope ("" or "." is the repository's
// root), as werf's GetRelativeToBaseFilepath gives it.
func relPath(scope, p string) string {
	scope = lsScope(path.Clean(scope))
	if scope == "" {
		return p
	}
	return strings.TrimPrefix(p, scope+"/")
}

// To is where the mapping puts its files in the image (`to`, cleaned).
func (m *Mapping) To() string { return m.spec.to }
