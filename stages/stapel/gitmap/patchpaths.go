package gitmap

import "context"

// PatchPaths are the paths werf's patch from a commit to Latest names
// (PatchDescriptor.Paths and PathsToRemove of the patch gitLatestPatch and
// gitCache apply): relative to the path scope as the archive names them (a
// mapped single file renamed), each once, in the patch's order. A path in
// remove was deleted, or changed its type (git shows that as a deletion and an
// addition: it is in both lists). Both are empty when nothing the mapping
// takes changed.
//
// werf's Buildah backend applies such a patch as the files of the archive at
// Latest named by paths and not by remove, then deletes the paths in remove.
func (m *Mapping) PatchPaths(ctx context.Context, from string) (paths, remove []string, err error) {
	to := m.latest.Commit
	if from == to {
		return nil, nil, nil
	}
	empty, resolved, err := m.emptyByChangedPaths(ctx, from, to)
	if err != nil {
		return nil, nil, err
	}
	if resolved && empty {
		return nil, nil, nil
	}
	p, err := m.patch(ctx, from, to, false)
	if err != nil {
		return nil, nil, err
	}
	return append([]string(nil), p.paths...), append([]string(nil), p.remove...), nil
}
