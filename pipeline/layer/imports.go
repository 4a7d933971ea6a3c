package layer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/importsum"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Import is werf's copy of one import into the stage (applyDependenciesImports:
// copy-recurse from the source stage's root to this one's), src being the
// source stage's image for the stage's platform. werf runs a stage's imports
// grouped by source image, in the order each image first appears in the
// stage's imports, and each group in config order: call Import in that order.
//
// `add` is found in the source as werf finds it: its parents' symlinks
// followed inside the image, not its own (an `add` that is a symlink is
// copied as the symlink). `to` is resolved in this image; a file or symlink
// imported to a directory that is there goes into it. The copy is werf's
// (github.com/werf/copy-recurse, as werf v2.77.1 calls it), quirks included.
// It is copy-recurse v0.2.7's: werf v2.77.1 pins v0.3.1 (it copies in
// parallel), whose source the module proxy no longer serves; the werf binary
// this was checked against was built with v0.2.7.
//   - a directory the globs take is copied whole, excludePaths
//     notwithstanding (werf checks whether a directory is taken before
//     whether something below it is excluded): `excludePaths: [d/sub]` copies
//     d/sub with d;
//   - files keep their permission bits, not set-ID or sticky ones; a
//     directory is made with the source's bits less the umask, and given them
//     exactly when it is there already or when a subdirectory is copied after
//     it (so a directory 0777 holding only files is 0755, one holding a
//     directory 0777);
//   - files and directories get owner and group when set, else the source's
//     own; symlinks belong to root whatever is set;
//   - hard links become separate files; devices and FIFOs are skipped, with
//     a warning;
//   - the parents of `to` that are missing are made 0755 and belong to root;
//     `to` is made like the source's directory (its mode and owner).
func (b *Builder) Import(ctx context.Context, src v1.Image, imp config.FileImport) error {
	if err := b.init(ctx); err != nil {
		return err
	}
	if err := b.importFrom(ctx, src, imp); err != nil {
		return fmt.Errorf("import of %s from %s to %s: %w", imp.Add, imp.Image, imp.To, err)
	}
	return nil
}

func (b *Builder) importFrom(ctx context.Context, src v1.Image, imp config.FileImport) error {
	to := imp.To
	if to == "" {
		to = imp.Add
	}
	source, err := b.source(ctx, src, imp.Add)
	if err != nil {
		return err
	}
	srcFS := &fsys{root: source.root}
	from, err := srcFS.secureJoinNoFollow(imp.Add)
	if err != nil {
		return err
	}
	_, fromNode, err := srcFS.lstat(from)
	if err != nil {
		return fmt.Errorf("lstat source path: %w", err)
	}
	dest, err := b.fs.secureJoin(to)
	if err != nil {
		return err
	}
	// werf's normalizeDependencyImportDestination.
	if fromNode.kind == kindFile || fromNode.kind == kindSymlink {
		_, n, err := b.fs.stat(dest, true)
		switch {
		case notExist(err):
		case err != nil:
			return fmt.Errorf("stat destination path: %w", err)
		case n.kind == kindDir:
			_, name := split(from)
			dest = join(dest, name)
		}
	}
	uid, gid, err := b.Owner(ctx, imp.Owner, imp.Group)
	if err != nil {
		return fmt.Errorf("error getting UID/GID: %w", err)
	}
	m, err := importsum.SpecOf(config.FileImport{Add: imp.Add, IncludePaths: imp.IncludePaths, ExcludePaths: imp.ExcludePaths}).Matcher()
	if err != nil {
		return err
	}
	c := &copier{b: b, src: srcFS, from: from, uid: uid, gid: gid, match: m, visited: map[string]bool{}}
	if c.dest, err = b.derefDestDir(dest); err != nil {
		return err
	}
	return c.run(fromNode)
}

// source reads an import's source image once per stage, keeping the files
// under add as written on the way (an add reached through symlinks, or hard
// links leading elsewhere, read the layers again for what is missing).
func (b *Builder) source(ctx context.Context, src v1.Image, add string) (*image, error) {
	if im, ok := b.sources[src]; ok {
		return im, nil
	}
	prefix := cleanPath(add)
	keep := func(p string) bool { return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/") }
	im, err := readImage(ctx, src, "the source image", keep, b.sp)
	if err != nil {
		return nil, err
	}
	b.sources[src] = im
	return im, nil
}

// derefDestDir is copy-recurse's dereferenceDestIfDir: a destination that is
// a symlink to a directory is the directory. (copy-recurse takes the link's
// target as written, relative to werf's working directory when relative;
// here it is resolved in the image.)
func (b *Builder) derefDestDir(dest string) (string, error) {
	_, n, err := b.fs.lstat(dest)
	if err != nil || n.kind != kindSymlink {
		return dest, nil
	}
	if _, t, err := b.fs.stat(dest, true); err != nil || t.kind != kindDir {
		return dest, nil
	}
	return b.fs.secureJoin(dest)
}

// copier is copy-recurse v0.2.7's CopyRecurse from the source image's path
// from to this stage's path dest.
type copier struct {
	b          *Builder
	src        *fsys
	from, dest string
	uid, gid   *uint32
	match      pathmatch.Matcher
	// visited are the destination directories made or fixed so far
	// (copy-recurse's visitedDestDirs).
	visited map[string]bool
}

func (c *copier) run(from *node) error {
	if err := c.prepareDestParent(); err != nil {
		return fmt.Errorf("error creating destination directory: %w", err)
	}
	if from.kind != kindDir {
		if !c.match.Match(".") {
			return nil
		}
		return c.copyRecurse(from, "", c.dest)
	}
	return c.walk("", from)
}

// prepareDestParent is copy-recurse's prepareDestParentDir: the parent of
// dest, made when missing, and made again when something else is there.
func (c *copier) prepareDestParent() error {
	f := c.b.fs
	parent := parentOf(c.dest)
	if c.dest == "" {
		return nil // the parent of the root is the host's
	}
	_, n, err := f.lstat(parent)
	switch {
	case notExist(err), notDir(err):
		return f.mkdirAll(parent, 0o777)
	case err != nil:
		return err
	case n.kind == kindDir:
		return nil
	case n.kind == kindSymlink:
		_, t, err := f.stat(parent, true)
		switch {
		case notExist(err), notDir(err):
		case err != nil:
			return err
		case t.kind == kindDir:
			return nil
		}
	}
	if err := f.removeAll(parent); err != nil {
		return err
	}
	return f.mkdirAll(parent, 0o777)
}

// walk is copy-recurse's walk of the source directory (fs.WalkDir: names in
// byte order, a directory before what is in it). A directory the globs take
// is copied whole; one they may take something in is walked; a file they take
// is copied.
func (c *copier) walk(rel string, dir *node) error {
	for _, name := range sortedNames(dir) {
		child, crel := dir.children[name], join(rel, name)
		if child.kind != kindDir {
			if c.match.Match(crel) {
				if err := c.copyRecurse(child, crel, join(c.dest, crel)); err != nil {
					return err
				}
			}
			continue
		}
		switch {
		case c.match.Match(crel):
			// copy-recurse walks into the directory it copied, copying what
			// it takes there once more: the same steps on the same paths, in
			// directories already visited, which change nothing.
			if err := c.copyRecurse(child, crel, join(c.dest, crel)); err != nil {
				return err
			}
		case c.match.Descend(crel):
			if err := c.walk(crel, child); err != nil {
				return err
			}
		}
	}
	return nil
}

// copyRecurse is copy-recurse's copyRecurse of the source node at rel (from
// from) to dest.
func (c *copier) copyRecurse(n *node, rel, dest string) error {
	switch n.kind {
	case kindDir:
		return c.copyTree(n, rel, dest)
	case kindFile, kindSymlink:
		if dest != c.dest {
			if err := c.chain(parentOf(dest)); err != nil {
				return err
			}
		}
		return c.copyEntry(n, dest)
	}
	c.b.warnf("File %q is of a type that copying does not support, skipping.\n", "/"+join(c.from, rel))
	return nil
}

// copyTree copies a directory and all below it, in walk order.
func (c *copier) copyTree(dir *node, rel, dest string) error {
	if err := c.chain(dest); err != nil {
		return err
	}
	for _, name := range sortedNames(dir) {
		child := dir.children[name]
		crel, cdest := join(rel, name), join(dest, name)
		switch child.kind {
		case kindDir:
			if err := c.copyTree(child, crel, cdest); err != nil {
				return err
			}
		case kindFile, kindSymlink:
			if err := c.chain(dest); err != nil {
				return err
			}
			if err := c.copyEntry(child, cdest); err != nil {
				return err
			}
		default:
			c.b.warnf("File %q is of a type that copying does not support, skipping.\n", "/"+join(c.from, crel))
		}
	}
	return nil
}

// copyEntry is copy-recurse's copyFile and copySymlink: what is at dest is
// removed; a file is made with the source's permission bits and owner (or
// the import's), a symlink as the process makes it.
func (c *copier) copyEntry(n *node, dest string) error {
	f := c.b.fs
	if n.kind == kindSymlink {
		if err := f.removeAll(dest); err != nil {
			return fmt.Errorf("error removing path: %w", err)
		}
		if err := f.symlink(n.link, dest); err != nil {
			return fmt.Errorf("error creating symlink: %w", err)
		}
		return nil
	}
	if _, old, err := f.lstat(dest); err == nil && old != nil {
		if err := f.removeAll(dest); err != nil {
			return fmt.Errorf("error removing path: %w", err)
		}
	}
	_, out, err := f.create(dest, 0o666, n.data)
	if err != nil {
		return fmt.Errorf("error creating file: %w", err)
	}
	out.mode = n.perm()
	chown(out, c.idOr(c.uid, n.uid), c.idOr(c.gid, n.gid))
	return nil
}

func (c *copier) idOr(set *uint32, own int) *uint32 {
	if set != nil {
		return set
	}
	id := uint32(own)
	return &id
}

// chain is copy-recurse's createEmptyDirsChain: the directories from dest
// down to d, made or fixed like their sources. One already visited stops the
// chain, and is fixed again itself: that is how a directory made with the
// umask's bits off gets the source's bits when a subdirectory follows.
func (c *copier) chain(d string) error {
	if c.visited[d] {
		return nil
	}
	dirs := []string{d} // deepest first, down to dest
	for p := d; p != c.dest && p != ""; {
		p = parentOf(p)
		dirs = append(dirs, p)
	}
	// copy-recurse cuts the chain after every visited directory it holds: what
	// is left ends at the visited one nearest to d.
	if i := slices.IndexFunc(dirs, func(p string) bool { return c.visited[p] }); i >= 0 {
		dirs = dirs[:i+1]
	}
	// copy-recurse sorts the chain with a comparator of indices, which
	// reverses it for chains up to 12 long: the shallowest comes first.
	slices.Reverse(dirs)
	for _, p := range dirs {
		if err := c.chainDir(p); err != nil {
			return fmt.Errorf("error creating empty dir /%s: %w", d, err)
		}
	}
	for _, p := range dirs {
		c.visited[p] = true
	}
	return nil
}

// chainDir is copy-recurse's createEmptyDirInChain.
func (c *copier) chainDir(p string) error {
	f := c.b.fs
	rel := strings.TrimPrefix(strings.TrimPrefix(p, c.dest), "/")
	_, src, err := c.src.lstat(join(c.from, rel))
	if err != nil {
		return fmt.Errorf("error getting file info: %w", err)
	}
	_, n, err := f.lstat(p)
	switch {
	case notExist(err):
		if err := f.mkdir(p, src.perm()); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("can't get file info: %w", err)
	case n.kind != kindDir:
		if err := f.removeAll(p); err != nil {
			return err
		}
		if err := f.mkdir(p, src.perm()); err != nil {
			return err
		}
	case n.perm() != src.perm():
		if err := f.chmod(p, src.perm()); err != nil {
			return err
		}
	}
	return f.lchown(p, c.idOr(c.uid, src.uid), c.idOr(c.gid, src.gid))
}
