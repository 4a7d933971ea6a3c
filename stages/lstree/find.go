package lstree

import (
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
)

// hop is a submodule a path lies in: its path in the project and the
// submodule at its gitlink's commit.
type hop struct {
	path string
	snap *source.Snapshot
}

// find looks rel up in snap as werf's processSpecificEntryFilepath does:
// through the submodules on its way (hops, outermost first; e is then relative
// to the innermost), never through a symlink (go-git's tree lookup does not
// follow one); ok is false when there is no such entry. "" is the project
// directory itself.
func find(snap *source.Snapshot, rel string) (hops []hop, e source.Entry, ok bool, err error) {
	prefix := ""
	for {
		e, sub, rest, ok, err := findStep(snap, rel)
		if err != nil || !ok {
			return nil, source.Entry{}, false, err
		}
		if sub == nil {
			return hops, e, true, nil
		}
		prefix = path.Join(prefix, e.Path)
		hops = append(hops, hop{path: prefix, snap: sub})
		snap, rel = sub, rest
	}
}

// findStep looks rel up in snap alone. When rel lies inside a submodule, sub
// is that submodule, e its gitlink and rest rel's remainder inside it.
func findStep(snap *source.Snapshot, rel string) (e source.Entry, sub *source.Snapshot, rest string, ok bool, err error) {
	if rel != "" {
		parts := strings.Split(rel, "/")
		for i := 1; i < len(parts); i++ {
			e, err := snap.Lookup(strings.Join(parts[:i], "/"))
			switch {
			case errors.Is(err, fs.ErrNotExist):
				return source.Entry{}, nil, "", false, nil
			case err != nil:
				return source.Entry{}, nil, "", false, err
			}
			switch e.Mode {
			case filemode.Symlink:
				return source.Entry{}, nil, "", false, nil
			case filemode.Submodule:
				sub, err := snap.Submodule(e.Path, e.Hash)
				if err != nil {
					return source.Entry{}, nil, "", false, err
				}
				return e, sub, strings.Join(parts[i:], "/"), true, nil
			}
		}
	}
	e, err = snap.Lookup(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return source.Entry{}, nil, "", false, nil
	case err != nil:
		return source.Entry{}, nil, "", false, err
	}
	return e, nil, "", true, nil
}

// EntryAt is werf's GetCommitTreeEntry: the entry at a project-relative path
// ("" is the project directory), entering submodules on the way and not
// following symlinks; inside a submodule, e.Path is relative to it. ok is
// false when there is none.
func EntryAt(snap *source.Snapshot, rel string) (e source.Entry, ok bool, err error) {
	_, e, ok, err = find(snap, rel)
	return e, ok, err
}
