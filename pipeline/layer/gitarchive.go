package layer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// archiveEntry is one entry of werf's git archive (pkg/true_git/archive.go
// writeArchive): a directory (mode 0775) made as the parent of the first file
// below it, a file with git's mode, or a symlink.
type archiveEntry struct {
	name string
	dir  bool
	file gitmap.File
}

// archiveEntries lays the files out as werf's archive does.
func archiveEntries(files []gitmap.File) []archiveEntry {
	var out []archiveEntry
	made := map[string]bool{}
	for _, f := range files {
		if dir := path.Dir(f.Name); dir != "." {
			parts := strings.Split(dir, "/")
			for i := range parts {
				p := strings.Join(parts[:i+1], "/")
				if !made[p] {
					made[p] = true
					out = append(out, archiveEntry{name: p, dir: true})
				}
			}
		}
		out = append(out, archiveEntry{name: f.Name, file: f})
	}
	return out
}

// GitArchive is werf's gitArchive stage for one mapping (PrepareArchiveForImage,
// then applyDataArchives): the mapping's files at its latest commit,
// extracted into `to`. For a single file (`add` naming one), `to` is the file:
// what was there is removed first, and the file lands in the directory of `to`.
//
// werf's extraction (extractTarWithChown) is what decides the result:
//   - `to` is resolved in the image, symlinks followed; the directory the
//     archive goes into and its missing parents are made 0755 (0777 less the
//     umask) and belong to root; with owner or group set, that directory (for a
//     single file, the directory of `to`, even one that was there) is chowned.
//   - the archive's directories are made 0755; one that is there keeps its
//     mode; each is chowned when owner or group is set;
//   - a file is made with git's mode less the umask (0644 or 0755), or, when
//     one is there, written into it, keeping its mode and owner; then chowned;
//   - a symlink is made, and chowned itself (it stays 0:0 without owner and
//     group); one in its place is an error: werf fails the stage;
//   - without owner and group, what werf makes belongs to 0:0; a set owner
//     without a group leaves the group as it was.
func (b *Builder) GitArchive(ctx context.Context, m *gitmap.Mapping) error {
	if err := b.init(ctx); err != nil {
		return err
	}
	files, err := m.ArchiveFiles(ctx)
	if err != nil {
		return err
	}
	typ, err := m.ArchiveType()
	if err != nil {
		return err
	}
	if err := b.extract(ctx, m, typ, archiveEntries(files)); err != nil {
		return fmt.Errorf("git mapping to %s: %w", m.To(), err)
	}
	return nil
}

// extract is werf's applyDataArchives for one archive.
func (b *Builder) extract(ctx context.Context, m *gitmap.Mapping, typ string, entries []archiveEntry) error {
	dest, err := b.fs.secureJoin(m.To())
	if err != nil {
		return err
	}
	into := dest
	if typ == gitmap.ArchiveFile {
		into = parentOf(dest)
		_, _, err := b.fs.stat(dest, true)
		switch {
		case notExist(err):
		case err != nil:
			return fmt.Errorf("unable to access container path %s: %w", m.To(), err)
		default:
			if err := b.fs.removeAll(dest); err != nil {
				return fmt.Errorf("unable to cleanup archive destination path %s: %w", m.To(), err)
			}
		}
	}
	var uid, gid *uint32
	if m.Config.Owner != "" || m.Config.Group != "" {
		if uid, gid, err = b.Owner(ctx, m.Config.Owner, m.Config.Group); err != nil {
			return fmt.Errorf("get UID/GID for %s: %w", m.To(), err)
		}
	}
	if err := b.extractInto(into, entries, uid, gid); err != nil {
		return fmt.Errorf("unable to extract data archive into %s: %w", m.To(), err)
	}
	return nil
}

// extractInto is werf's extractTarWithChown.
func (b *Builder) extractInto(dir string, entries []archiveEntry, uid, gid *uint32) error {
	f := b.fs
	if err := f.mkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("create dir: %w", err)
	}
	if err := f.lchown(dir, uid, gid); err != nil {
		return err
	}
	for _, e := range entries {
		p := join(dir, e.name)
		switch {
		case e.dir:
			if err := f.mkdirAll(p, 0o775); err != nil {
				return fmt.Errorf("create dir: %w", err)
			}
		case e.file.Mode == filemode.Symlink:
			target, err := e.file.Read()
			if err != nil {
				return err
			}
			if err := f.mkdirAll(parentOf(p), 0o777); err != nil {
				return fmt.Errorf("create dir: %w", err)
			}
			if err := f.symlink(string(target), p); err != nil {
				if errors.Is(err, syscall.EEXIST) {
					return fmt.Errorf("create symlink: %w (werf v2.77.1 fails here too: its Buildah backend does not replace what is at a symlink's path)", err)
				}
				return fmt.Errorf("create symlink: %w", err)
			}
		default:
			if err := f.mkdirAll(parentOf(p), 0o777); err != nil {
				return fmt.Errorf("create dir: %w", err)
			}
			// The archive's mode is git's (0100644, 0100755, 0100664); Go's
			// FileInfo keeps its permission bits.
			if _, _, err := f.create(p, int64(e.file.Mode)&0o777, gitBlob(e.file)); err != nil {
				return fmt.Errorf("create file: %w", err)
			}
		}
		if err := f.lchown(p, uid, gid); err != nil {
			return err
		}
	}
	return nil
}
