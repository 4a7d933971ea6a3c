package importsum

import (
	"fmt"
	"path"
	"strings"
)

// maxSymlinks is how many symlinks a path may pass through before resolving it
// fails with ELOOP, as in filepath-securejoin.
const maxSymlinks = 255

// source is where werf reads an import from: `add` with its parent directories
// resolved inside the image (symlinks followed, absolute ones from the image's
// root, ".." never above it) and its last component left as it is, so an `add`
// that is itself a symlink is taken as the symlink (resolveContainerRootPathNoFollow
// in werf's pkg/container_backend/buildah_backend.go). The result is a clean path
// relative to the root.
func (t *tree) source(add string) (string, error) {
	add = path.Clean(add)
	dir, err := t.secureJoin(path.Dir(add))
	if err != nil {
		return "", err
	}
	return clean(path.Join(dir, path.Base(add))), nil
}

// secureJoin is filepath-securejoin's SecureJoin (v0.2.5, which werf v2.77.1
// uses) over the tree instead of a mounted root: it walks p component by
// component, and a component that is a symlink is replaced by its target, which
// is walked in turn. A component that does not exist, or stands below a file, is
// kept as written. It returns an absolute path.
func (t *tree) secureJoin(p string) (string, error) {
	current, remaining := "", p
	for links := 0; remaining != ""; {
		var part string
		if i := strings.IndexByte(remaining, '/'); i < 0 {
			part, remaining = remaining, ""
		} else {
			part, remaining = remaining[:i], remaining[i+1:]
		}
		next := path.Join("/", current, part)
		if next == "/" {
			current = ""
			continue
		}
		n := t.lookup(clean(next))
		if n == nil || n.kind != kindSymlink {
			current = next
			continue
		}
		if links++; links > maxSymlinks {
			return "", fmt.Errorf("resolve %s in the source image: too many levels of symbolic links", p)
		}
		remaining = n.link + "/" + remaining
		if path.IsAbs(n.link) {
			current = ""
		}
	}
	return path.Join("/", current), nil
}
