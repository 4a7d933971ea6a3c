package layer

import (
	"context"
	"fmt"
)

// EmptyDirs is werf's applyRemoveData with RemoveInsidePath, what the from
// stage of an image with mounts does to its mount points: everything inside
// each directory removed, the directory kept (removeInsidePath). A path that
// does not exist or is not a directory is left alone; symlinks on the way
// are followed inside the image.
func (b *Builder) EmptyDirs(ctx context.Context, dirs []string) error {
	if err := b.init(ctx); err != nil {
		return err
	}
	for _, d := range dirs {
		rp, n, err := b.fs.stat(d, true)
		switch {
		case notExist(err) || notDir(err):
			continue
		case err != nil:
			return fmt.Errorf("empty %s: %w", d, err)
		case n == nil || n.kind != kindDir:
			continue
		}
		for _, name := range sortedNames(n) {
			if err := b.fs.removeAll(join(rp, name)); err != nil {
				return fmt.Errorf("empty %s: %w", d, err)
			}
		}
	}
	return nil
}
