package importsum

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// ErrAddNotFound is an import whose `add` is not in the source image. werf fails
// the build on it too (its walk of the mounted root cannot lstat the path).
var ErrAddNotFound = errors.New("no such file or directory in the source image")

// Checksum is werf's import checksum of spec over img, the source stage's image
// for the target platform: the MD5 of one line "<md5 of content>  <path>\n" per
// file taken, in path order, where a symlink's content is its target and the
// path is the file's under spec.Add as written (not as resolved). Directories
// are not hashed, so an empty one changes nothing, and an import that takes no
// file is NothingChecksum.
//
// What is taken is what werf's walk takes (calculateDependencyImportChecksum,
// with the path matcher of IncludePaths and ExcludePaths relative to Add; see
// package stages/pathmatch): a directory is entered when the globs may take
// something below it, a file or symlink is taken when they take it, symlinks are
// never followed. Add is found as werf finds it (see tree.source); when it is a
// file or a symlink, that one entry is the whole import.
//
// The layers are read in order, whiteouts applied. Only files under Add as
// written are hashed on the way; when symlinked directories or hard links lead
// Add elsewhere, the layers are read a second time, hashing everything.
func Checksum(ctx context.Context, img v1.Image, spec Spec) (string, error) {
	m, err := spec.Matcher()
	if err != nil {
		return "", err
	}
	prefix := clean(spec.Add)
	underAdd := func(p string) bool {
		return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	for _, want := range []func(string) bool{underAdd, func(string) bool { return true }} {
		t, err := build(ctx, img, want)
		if err != nil {
			return "", err
		}
		files, complete, err := t.take(spec.Add, m)
		if err != nil {
			return "", err
		}
		if complete {
			return sum(spec.Add, files)
		}
	}
	return "", errors.New("import checksum: files left unhashed after reading every layer") // unreachable
}

// Matcher is werf's path matcher of an import, relative to Add: what its
// checksum hashes and what its copy takes.
func (spec Spec) Matcher() (pathmatch.Matcher, error) {
	var ms []pathmatch.Matcher
	if len(spec.IncludePaths) > 0 {
		m, err := pathmatch.IncludeChecked(spec.IncludePaths...)
		if err != nil {
			return nil, fmt.Errorf("import of %s: %w", spec.Add, err)
		}
		ms = append(ms, m)
	}
	if len(spec.ExcludePaths) > 0 {
		m, err := pathmatch.ExcludeChecked(spec.ExcludePaths...)
		if err != nil {
			return nil, fmt.Errorf("import of %s: %w", spec.Add, err)
		}
		ms = append(ms, m)
	}
	return pathmatch.All(ms...), nil
}

// taken is one file of an import: its path relative to the source and its node.
type taken struct {
	rel string
	n   *node
}

// take lists the files an import takes, in werf's order; complete is false when
// one of them was not hashed.
func (t *tree) take(add string, m pathmatch.Matcher) (files []taken, complete bool, err error) {
	src, err := t.source(add)
	if err != nil {
		return nil, false, err
	}
	root := t.lookup(src)
	if root == nil {
		return nil, false, fmt.Errorf("import of %s: %w (looked for /%s)", add, ErrAddNotFound, src)
	}
	complete = true
	var walk func(rel string, n *node)
	walk = func(rel string, n *node) {
		if !m.Match(rel) && !m.Descend(rel) {
			return
		}
		if n.kind == kindDir {
			for name, child := range n.children {
				walk(path.Join(rel, name), child)
			}
			return
		}
		if m.Match(rel) {
			files = append(files, taken{rel, n})
			complete = complete && (n.kind != kindFile || n.hashed)
		}
	}
	walk("", root)
	// werf sorts the mounted paths, which share the source's path as prefix:
	// the order of the relative paths.
	slices.SortFunc(files, func(a, b taken) int { return strings.Compare(a.rel, b.rel) })
	return files, complete, nil
}

// sum hashes the files' lines.
func sum(add string, files []taken) (string, error) {
	h := md5.New()
	var line []byte
	for _, f := range files {
		var fileSum [16]byte
		switch f.n.kind {
		case kindFile:
			fileSum = f.n.sum
		case kindSymlink:
			fileSum = md5.Sum([]byte(f.n.link))
		default:
			// werf would open it and block on a FIFO or read a device.
			return "", fmt.Errorf("import of %s: %s is a device or a FIFO, which an import cannot checksum", add, path.Join("/", add, f.rel))
		}
		line = hex.AppendEncode(line[:0], fileSum[:])
		line = append(line, "  "...)
		line = append(line, path.Join("/", add, f.rel)...)
		line = append(line, '\n')
		h.Write(line)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
