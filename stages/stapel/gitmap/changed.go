package gitmap

import (
	"context"
	"fmt"
	"strings"
)

// changedPath is one path `git diff --raw` lists between two commits; a
// submodule is listed by its own path.
type changedPath struct {
	path      string
	submodule bool
}

// changedPaths is werf's ListChangedPaths, once per pair of commits for every
// mapping of the repository.
func (r *repository) changedPaths(ctx context.Context, from, to string) ([]changedPath, error) {
	return r.changed.Get(from+".."+to, func() ([]changedPath, error) {
		out, err := runGit(ctx, r.gitDir, "-c", "core.quotePath=false", "diff", "--raw", "-z", "--no-renames", from, to)
		if err != nil {
			return nil, fmt.Errorf("list changed paths between %q and %q commits: %w", from, to, err)
		}
		return parseRawDiff(string(out))
	})
}

// parseRawDiff reads `git diff --raw -z`: a ":<modes> <hashes> <status>"
// field, then the path.
func parseRawDiff(out string) ([]changedPath, error) {
	var res []changedPath
	tokens := strings.Split(out, "\x00")
	for i := 0; i+1 < len(tokens); i += 2 {
		meta, p := tokens[i], tokens[i+1]
		if !strings.HasPrefix(meta, ":") {
			return nil, fmt.Errorf("unexpected git raw diff entry %q", meta)
		}
		fields := strings.Fields(strings.TrimPrefix(meta, ":"))
		if len(fields) < 5 {
			return nil, fmt.Errorf("unexpected git raw diff entry %q", meta)
		}
		const gitlink = "160000"
		res = append(res, changedPath{path: p, submodule: fields[0] == gitlink || fields[1] == gitlink})
	}
	return res, nil
}

// emptyByChangedPaths is werf's isPatchEmptyByChangedPaths: the patch is
// empty when no changed path is one the mapping takes; resolved is false when
// a changed submodule might hold such paths and only a patch can tell.
func (m *Mapping) emptyByChangedPaths(ctx context.Context, from, to string) (empty, resolved bool, err error) {
	paths, err := m.repo.changedPaths(ctx, from, to)
	if err != nil {
		return false, false, fmt.Errorf("unable to get changed paths between %q and %q commits for git mapping %s: %w", from, to, m.spec.fullName(), err)
	}
	for _, c := range paths {
		if c.submodule {
			if m.matcher.Match(c.path) || m.matcher.Descend(c.path) {
				return false, false, nil
			}
			continue
		}
		if m.matcher.Match(c.path) {
			return false, true, nil
		}
	}
	return true, true, nil
}
