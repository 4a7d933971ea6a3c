package gitmap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

type patchKey struct {
	from, to string
	// full is werf's WithEntireFileContext and WithBinary, what PatchSize
	// measures; without it, the patch gitLatestPatch digests and applies.
	full bool
}

type patchResult struct {
	content []byte // kept for the patch that is digested only
	size    int64
	paths   []string // werf's PatchDescriptor.Paths: empty means an empty patch
	remove  []string // werf's PatchDescriptor.PathsToRemove
}

// PatchSize is werf's PatchSize from a commit to Latest (the gitCache rule):
// the size of the patch with whole files for context and binary contents.
func (m *Mapping) PatchSize(ctx context.Context, from string) (int64, error) {
	to := m.latest.Commit
	if from == to {
		return 0, nil
	}
	empty, resolved, err := m.emptyByChangedPaths(ctx, from, to)
	if err != nil {
		return 0, err
	}
	if resolved && empty {
		return 0, nil
	}
	p, err := m.patch(ctx, from, to, true)
	if err != nil {
		return 0, err
	}
	return p.size, nil
}

// IsPatchEmpty reports whether nothing the mapping takes changed from a commit
// to Latest.
func (m *Mapping) IsPatchEmpty(ctx context.Context, from string) (bool, error) {
	to := m.latest.Commit
	if from == to {
		return true, nil
	}
	empty, resolved, err := m.emptyByChangedPaths(ctx, from, to)
	if err != nil {
		return false, err
	}
	if resolved {
		return empty, nil
	}
	p, err := m.patch(ctx, from, to, false)
	if err != nil {
		return false, err
	}
	return len(p.paths) == 0, nil
}

// PatchContent is the patch text werf hashes into gitLatestPatch's digest.
func (m *Mapping) PatchContent(ctx context.Context, from string) (string, error) {
	to := m.latest.Commit
	if from == to {
		return "", nil
	}
	p, err := m.patch(ctx, from, to, false)
	if err != nil {
		return "", err
	}
	return string(p.content), nil
}

// patch is werf's GetOrCreatePatch for the mapping (true_git.Patch): `git
// diff` between the commits with werf's options, through werf's filter.
func (m *Mapping) patch(ctx context.Context, from, to string, full bool) (*patchResult, error) {
	return m.patches.Get(patchKey{from: from, to: to, full: full}, func() (*patchResult, error) {
		p, err := m.makePatch(ctx, from, to, full)
		if err != nil {
			return nil, fmt.Errorf("error creating patch between %q and %q commits of %s: %w", from, to, m.repo, err)
		}
		return p, nil
	})
}

func (m *Mapping) makePatch(ctx context.Context, from, to string, full bool) (*patchResult, error) {
	renames, err := m.fileRenames(to)
	if err != nil {
		return nil, err
	}
	scope, err := m.pathScope(to)
	if err != nil {
		return nil, err
	}
	submodules, err := m.hasSubmodules(to)
	if err != nil {
		return nil, err
	}
	dir, args, err := m.repo.diffArgs(from, to, scope, full, submodules)
	if err != nil {
		return nil, err
	}

	var content bytes.Buffer
	counter := &countingWriter{}
	out := io.Writer(counter)
	if !full {
		out = io.MultiWriter(counter, &content)
	}
	parser := newDiffParser(out, scope, m.matcher, renames)
	sink := &stickyWriter{w: parser}
	if err := streamGit(ctx, dir, nil, sink, args...); err != nil {
		if sink.err != nil {
			return nil, sink.err
		}
		return nil, err
	}
	if sink.err != nil {
		return nil, sink.err
	}
	res := &patchResult{size: counter.n, paths: parser.paths, remove: parser.pathsToRemove}
	if !full {
		res.content = content.Bytes()
	}
	return res, nil
}

// diffArgs are werf's `git diff` invocation (pkg/true_git/patch.go
// writePatch): in the git directory, limited to the path scope; or, when the
// commit has submodules, in a working tree with them checked out and diffed
// too, unlimited.
func (r *repository) diffArgs(from, to, scope string, full, submodules bool) (dir string, args []string, err error) {
	args = []string{"-c", "diff.renames=false", "-c", "core.quotePath=false"}
	if full {
		args = append(args, "-c", "diff.context=999999999")
	}
	diffOpts := []string{"--full-index", "--submodule=log"}
	if submodules {
		if !r.local {
			return "", nil, errors.New("patches of a remote repository with submodules are not supported")
		}
		diffOpts[1] = "--submodule=diff"
	}
	if full {
		diffOpts = append(diffOpts, "--binary")
	}
	if submodules {
		args = append(args, "-C", r.workTree, "diff")
		args = append(append(args, diffOpts...), from, to)
		return r.workTree, args, nil
	}
	args = append(args, "-C", r.gitDir, "diff")
	args = append(append(args, diffOpts...), from, to)
	if s := path.Clean(scope); s != "." && s != "/" && !strings.HasPrefix(s, ":") {
		args = append(args, "--", ":(literal)"+s)
	}
	return "", args, nil
}

// hasSubmodules is werf's HasSubmodulesInCommit: the commit has .gitmodules.
func (m *Mapping) hasSubmodules(commit string) (bool, error) {
	snap, err := m.repo.snapshot(commit)
	if err != nil {
		return false, err
	}
	_, err = snap.Lookup(".gitmodules")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// stickyWriter keeps the first error of w and drops what follows, so that
// git runs to its end and the error reported is the filter's, not a broken
// pipe.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err == nil {
		_, s.err = s.w.Write(p)
	}
	return len(p), nil
}
