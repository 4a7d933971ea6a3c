package buildcontext

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
)

// Export writes the context as the build must see it into the empty directory
// dst: the snapshot's files under the context (submodules included), without what
// the .dockerignore leaves out, then the contextAddFiles from the working tree.
// It is what the digest hashed, so a build of it is the stage the digest names.
func (c *Context) Export(dst string) error {
	e, err := c.snap.Lookup(c.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case e.IsDir():
		if err := c.exportTree(c.snap, e, c.dir, dst); err != nil {
			return fmt.Errorf("export the build context %s: %w", contextName(c.dir), err)
		}
	default:
		return fmt.Errorf("the build context %s is not a directory", contextName(c.dir))
	}
	for _, f := range c.addFiles {
		src, err := c.addFilePath(c.snap.ProjectDir(), f)
		if err != nil {
			return fmt.Errorf("contextAddFiles: %w", err)
		}
		if err := copyTree(src, filepath.Join(dst, filepath.FromSlash(path.Clean(f)))); err != nil {
			return fmt.Errorf("contextAddFiles %s: %w", f, err)
		}
	}
	return nil
}

// exportTree writes the tree of dir (a project-relative path, used for the
// .dockerignore) from snap into the host directory dst.
func (c *Context) exportTree(snap *source.Snapshot, dir source.Entry, ignorePath, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	t, err := snap.ReadTree(dir.Hash)
	if err != nil {
		return err
	}
	for te := range t.Entries() {
		p := path.Join(ignorePath, te.Name)
		if c.ignore != nil && !c.ignore.Match(p) {
			isDir := te.Mode == filemode.Dir || te.Mode == filemode.Submodule
			if !isDir || !c.ignore.Descend(p) {
				continue // left out, and nothing below it taken back
			}
		}
		target := filepath.Join(dst, te.Name)
		entry := source.Entry{Path: path.Join(dir.Path, te.Name), Mode: te.Mode, Hash: te.Hash}
		switch te.Mode {
		case filemode.Dir:
			err = c.exportTree(snap, entry, p, target)
		case filemode.Submodule:
			var sub *source.Snapshot
			if sub, err = snap.Submodule(entry.Path, te.Hash); err == nil {
				var root source.Entry
				if root, err = sub.Lookup(""); err == nil {
					err = c.exportTree(sub, root, p, target)
				}
			}
		case filemode.Symlink:
			var link []byte
			if link, err = snap.ReadBlob(entry.Hash); err == nil {
				err = os.Symlink(string(link), target)
			}
		default:
			mode := os.FileMode(0o644)
			if te.Mode == filemode.Executable {
				mode = 0o755
			}
			var data []byte
			if data, err = snap.ReadBlob(entry.Hash); err == nil {
				err = os.WriteFile(target, data, mode)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// copyTree copies a working-tree file, symlink or directory.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil
	})
}
