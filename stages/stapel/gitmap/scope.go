package gitmap

import (
	"fmt"
	"path"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/stages/lstree"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// newMatcher is werf's getPathMatcher: the include and exclude paths seen from
// add (path_matcher.NewPathMatcher with BasePath, IncludeGlobs, ExcludeGlobs).
func newMatcher(s spec) (pathmatch.Matcher, error) {
	var children []pathmatch.Matcher
	if len(s.includes) > 0 {
		m, err := pathmatch.IncludeChecked(s.includes...)
		if err != nil {
			return nil, fmt.Errorf("includePaths: %w", err)
		}
		children = append(children, m)
	}
	if len(s.excludes) > 0 {
		m, err := pathmatch.ExcludeChecked(s.excludes...)
		if err != nil {
			return nil, fmt.Errorf("excludePaths: %w", err)
		}
		children = append(children, m)
	}
	m := pathmatch.All(children...)
	if s.add != "" {
		m = pathmatch.Base(s.add, m)
	}
	return m, nil
}

// addIsDir is werf's IsCommitTreeEntryDirectory for add at a commit: a
// directory or a submodule (a symlink is neither; a missing add is not one).
func (m *Mapping) addIsDir(commit string) (bool, error) {
	snap, err := m.repo.snapshot(commit)
	if err != nil {
		return false, err
	}
	e, ok, err := lstree.EntryAt(snap, m.spec.add)
	if err != nil {
		return false, fmt.Errorf("git entry %q at commit %s: %w", m.spec.add, commit, err)
	}
	return ok && (e.Mode == filemode.Dir || e.Mode == filemode.Submodule), nil
}

// pathScope is werf's getPathScope: add when it is a directory, else its
// directory ("." for a file at the root, as werf's filepath.Dir gives).
func (m *Mapping) pathScope(commit string) (string, error) {
	dir, err := m.addIsDir(commit)
	if err != nil {
		return "", err
	}
	if dir {
		return m.spec.add, nil
	}
	return path.Dir(m.spec.add), nil
}

// fileRenames is werf's getFileRenames: a file mapped to a different name is
// renamed in patches.
func (m *Mapping) fileRenames(commit string) (map[string]string, error) {
	dir, err := m.addIsDir(commit)
	if err != nil {
		return nil, err
	}
	renames := map[string]string{}
	if dir {
		return renames, nil
	}
	if path.Base(m.spec.add) != path.Base(m.spec.to) {
		renames[m.spec.add] = path.Base(m.spec.to)
	}
	return renames, nil
}

// Archive types recorded in TypeLabel (pkg/git_repo/git_repo.go).
const (
	ArchiveDirectory = "directory"
	ArchiveFile      = "file"
)

// ArchiveType is werf's getArchiveType at the latest commit: "directory" when
// add is a directory or a submodule, else "file".
func (m *Mapping) ArchiveType() (string, error) {
	dir, err := m.addIsDir(m.latest.Commit)
	if err != nil {
		return "", err
	}
	if dir {
		return ArchiveDirectory, nil
	}
	return ArchiveFile, nil
}
