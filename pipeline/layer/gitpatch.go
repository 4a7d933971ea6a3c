package layer

import (
	"context"
	"fmt"
	"slices"

	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// removal is werf's RemoveData of one patch: paths to remove, with the empty
// directories above them up to (not including) a kept one.
type removal struct {
	paths []string
	keep  []string
}

// GitPatch is werf's gitCache or gitLatestPatch stage for one mapping, whose
// previous stage has its files at commit from (PreparePatchForImage in
// werf's Buildah mode): nothing when nothing the mapping takes changed; else
// the files of the archive at the latest commit that the patch names and does
// not delete, extracted as GitArchive extracts them, and, after every other
// step of the stage, the deleted paths removed, with the directories they
// leave empty up to `to`.
//
// The result is werf's, quirks included:
//   - a changed file is written into the file that is there: a mode change
//     (chmod in git) is not applied, the file keeps the mode it had;
//   - a path whose type changed (a file that became a symlink, or the other
//     way) is in the patch as deleted and added: it is removed, not replaced;
//   - a symlink whose target changed cannot be written over the old one:
//     werf fails the stage, and so does this;
//   - the archive's directories are not in the patch: a new directory is
//     made 0755 and belongs to root, owner and group notwithstanding;
//   - `to` (for a single file, its directory) is made and chowned again;
//   - for a single file, the path to remove is `to` joined with the file's
//     name, which is never there: nothing is removed.
func (b *Builder) GitPatch(ctx context.Context, m *gitmap.Mapping, from string) error {
	if err := b.init(ctx); err != nil {
		return err
	}
	paths, remove, err := m.PatchPaths(ctx, from)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return nil
	}
	files, err := m.ArchiveFiles(ctx)
	if err != nil {
		return err
	}
	typ, err := m.ArchiveType()
	if err != nil {
		return err
	}
	// werf's filterTarArchive: an entry is kept when its name is one of the
	// included paths, exactly; directories' names are none of them.
	var entries []archiveEntry
	for _, e := range archiveEntries(files) {
		if slices.Contains(paths, e.name) && !slices.Contains(remove, e.name) {
			entries = append(entries, e)
		}
	}
	if err := b.extract(ctx, m, typ, entries); err != nil {
		return fmt.Errorf("git mapping to %s: %w", m.To(), err)
	}
	r := removal{keep: []string{m.To()}}
	for _, p := range remove {
		r.paths = append(r.paths, join(cleanPath(m.To()), p))
	}
	if len(r.paths) > 0 {
		b.removals = append(b.removals, r)
	}
	return nil
}

// applyRemovals is werf's applyRemoveData (RemoveExactPathWithEmptyParentDirs),
// which BuildStapelStage runs after the imports and archives.
func (b *Builder) applyRemovals() error {
	for _, r := range b.removals {
		keep := []string{""}
		for _, k := range r.keep {
			p, err := b.fs.secureJoin(k)
			if err != nil {
				return err
			}
			keep = append(keep, p)
		}
		for _, p := range r.paths {
			dest, err := b.fs.secureJoinNoFollow(p)
			if err != nil {
				return err
			}
			if err := b.removeWithEmptyParents(dest, keep); err != nil {
				return fmt.Errorf("unable to remove /%s: %w", p, err)
			}
		}
	}
	b.removals = nil
	return nil
}

// removeWithEmptyParents is werf's removeExactPathWithEmptyParentDirs.
func (b *Builder) removeWithEmptyParents(p string, keep []string) error {
	f := b.fs
	_, _, err := f.lstat(p)
	switch {
	case notExist(err):
	case err != nil:
		return fmt.Errorf("unable to access path: %w", err)
	default:
		if err := f.removeAll(p); err != nil {
			return err
		}
	}
	for p != "" {
		p = parentOf(p)
		if slices.Contains(keep, p) {
			return nil
		}
		_, n, err := f.stat(p, true)
		switch {
		case notExist(err):
			continue
		case err != nil:
			return fmt.Errorf("unable to access path: %w", err)
		case n.kind != kindDir:
			return fmt.Errorf("error reading dir /%s: not a directory", p)
		case len(n.children) > 0:
			return nil
		}
		if err := f.removeAll(p); err != nil {
			return fmt.Errorf("unable to remove empty dir /%s: %w", p, err)
		}
	}
	return nil
}
