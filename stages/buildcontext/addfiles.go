package buildcontext

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// addFilesChecksum hashes the contextAddFiles a COPY/ADD takes, from the working
// tree, as werf does: each file's project-relative path and, for regular files,
// its bytes, in the order werf.yaml lists them (directories walked in lexical
// order, symlinks by path only); "" when it takes none.
//
// werf matches these project-relative paths against globs based at the context's
// path from the repository root, so when werf.yaml is not at the repository root
// nothing matches and contextAddFiles leave the digest alone. dagwerf keeps that,
// so that its tags stay werf's.
func (c *Context) addFilesChecksum(ctx context.Context, sources []string) (string, error) {
	projectDir := c.snap.ProjectDir()
	files, err := c.listAddFiles(ctx, projectDir)
	if err != nil {
		return "", err
	}
	m, err := pathmatch.New(path.Join(c.snap.ProjectPath(), c.dir), sources, nil)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	taken := false
	for _, abs := range files {
		rel, err := filepath.Rel(projectDir, abs)
		if err != nil {
			return "", err
		}
		rel = filepath.ToSlash(rel)
		if !m.Match(rel) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("hashing %s: %w", rel, err)
		}
		taken = true
		h.Write([]byte(rel))
		fi, err := os.Lstat(abs)
		if err != nil {
			return "", err
		}
		if fi.Mode().IsRegular() {
			if err := copyFile(h, abs); err != nil {
				return "", err
			}
		}
	}
	if !taken {
		return "", nil
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// listAddFiles expands the contextAddFiles into files, each once, in werf's order.
func (c *Context) listAddFiles(ctx context.Context, projectDir string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, f := range c.addFiles {
		abs, err := c.addFilePath(projectDir, f)
		if err != nil {
			return nil, err
		}
		fi, err := os.Lstat(abs)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			add(abs)
			continue
		}
		err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("listing %s: %w", p, err)
			}
			if !d.IsDir() {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addFilePath is where a contextAddFiles entry lies in the working tree. Like
// every path dagwerf reads, it must stay inside the repository: a directory on
// the way that is a symlink leading out of it is refused. (The entry itself, if
// a symlink, is taken as a link and never followed.) The path is returned as
// written, not resolved: it is what the digest names.
func (c *Context) addFilePath(projectDir, f string) (string, error) {
	abs := filepath.Join(projectDir, filepath.FromSlash(c.dir), filepath.FromSlash(f))
	parent, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err == nil {
		_, err = os.Lstat(abs)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%q was not found in the working tree (contextAddFiles are relative to the context %s)", f, contextName(c.dir))
	}
	if err != nil {
		return "", err
	}
	repo := c.snap.RepoDir()
	if rel, err := filepath.Rel(repo, parent); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leads out of the repository through a symlink (to %s): contextAddFiles must lie inside %s", f, parent, repo)
	}
	return abs, nil
}

func copyFile(w io.Writer, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
