package staged

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/dagwerf/dagwerf/stages"
)

var errNoContext = errors.New("the build context is needed to hash the sources, and none is given")

// contextChecksum hashes sources of the build context. Inputs.checksum replaces
// the one on disk in tests, as werf's instruction tests stub it.
type contextChecksum interface {
	globs(globs []string) (string, error)
	paths(paths []string) (string, error)
}

func (in Inputs) contextChecksum() contextChecksum {
	if in.checksum != nil {
		return in.checksum
	}
	return dirContext(in.Context)
}

// dirContext is a build context on disk.
type dirContext string

func (d dirContext) globs(globs []string) (string, error) {
	return calculateGlobsChecksum(string(d), globs)
}

func (d dirContext) paths(paths []string) (string, error) {
	return calculatePathsChecksum(string(d), paths)
}

// calculateGlobsChecksum is werf's checksum of COPY and ADD sources (§5.2): each
// source is a Go glob (* ? [ ], no **) in the context; a glob matching nothing
// is skipped, a literal path that does not exist is an error; the top-level
// matches are hashed by calculatePathsChecksum.
func calculateGlobsChecksum(context string, globs []string) (string, error) {
	if context == "" {
		return "", errNoContext
	}
	var matches []string
	for _, glob := range globs {
		abs := filepath.Join(context, glob)
		if outside(context, abs) {
			return "", fmt.Errorf("source %q is outside the build context", glob)
		}
		rel, _ := filepath.Rel(context, abs)
		found, err := filepath.Glob(filepath.Join(escapeGlob(context), rel))
		switch {
		case len(found) == 0 && strings.ContainsAny(rel, "*?["):
			continue // as buildah's copier: a pattern matching nothing is no error
		case err != nil:
			return "", fmt.Errorf("source %q: %w", glob, err)
		case len(found) == 0:
			return "", fmt.Errorf("source %q: no such file or directory in the build context", glob)
		}
		for _, f := range found {
			rel, err := filepath.Rel(context, f)
			if err != nil {
				return "", fmt.Errorf("source %q: %w", glob, err)
			}
			matches = append(matches, rel)
		}
	}
	if len(matches) == 0 {
		return "", fmt.Errorf("no glob matches for globs: %v: no source is in the build context", globs)
	}
	return calculatePathsChecksum(context, matches)
}

// calculatePathsChecksum is werf's checksum of paths of the context (§5.3): each
// path, literal, sorted and once, hashed as a directory tree or a file with
// x/mod's dirhash, the hashes joined with werf's Sha256.
func calculatePathsChecksum(context string, paths []string) (string, error) {
	if context == "" {
		return "", errNoContext
	}
	paths = slices.Clone(paths)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	hashes := make([]string, 0, len(paths))
	for _, p := range paths {
		abs := filepath.Join(context, p)
		if err := inside(context, abs, p); err != nil {
			return "", err
		}
		h, err := hashContentsAndPaths(abs)
		if err != nil {
			return "", fmt.Errorf("source %q: %w", p, err)
		}
		hashes = append(hashes, h)
	}
	return stages.Sha256(hashes...), nil
}

// inside refuses a source outside the context, by its path or, when it is a
// symbolic link, by where it leads. (werf's copier exits the process on the
// first, and follows the second.)
func inside(context, abs, source string) error {
	if outside(context, abs) {
		return fmt.Errorf("source %q is outside the build context", source)
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil // a missing path is reported when it is hashed
	}
	root, err := filepath.EvalSymlinks(context)
	if err != nil {
		return fmt.Errorf("the build context %q: %w", context, err)
	}
	if outside(root, resolved) {
		return fmt.Errorf("source %q leads outside the build context (through a symbolic link)", source)
	}
	return nil
}

func outside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// escapeGlob quotes the glob metacharacters of a literal path.
func escapeGlob(path string) string {
	var b strings.Builder
	for _, r := range path {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hashContentsAndPaths is common-go's HashContentsAndPathsRecurse: a directory's
// files by their paths under it ("/a.txt"), a file by its base name.
func hashContentsAndPaths(path string) (string, error) {
	path = filepath.Clean(path)
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("unable to stat: %w", err)
	}
	if fi.IsDir() {
		h, err := dirhash.HashDir(path, "/", dirhash.Hash1)
		if err != nil {
			return "", fmt.Errorf("unable to calculate hash for dir: %w", err)
		}
		return h, nil
	}
	h, err := dirhash.Hash1([]string{filepath.Base(path)}, func(string) (io.ReadCloser, error) { return os.Open(path) })
	if err != nil {
		return "", fmt.Errorf("unable to calculate hash for file: %w", err)
	}
	return h, nil
}
