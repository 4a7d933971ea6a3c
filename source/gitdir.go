package source

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/go-git/go-git/v5"
)

// OpenGitDir reads a commit of a repository that has no working tree: a bare
// repository such as the mirror of a remote one fetched into a cache. rev is a
// full or abbreviated hash, a branch or a tag. The snapshot is rooted at the
// repository's root, and RepoDir is gitDir. With no working tree there is
// nothing to read submodules from: Submodule fails.
func OpenGitDir(gitDir, rev string) (*Snapshot, error) {
	abs, err := filepath.Abs(gitDir)
	if err != nil {
		return nil, fmt.Errorf("git directory %s: %w", gitDir, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s is not a git repository", gitDir)
		}
		return nil, fmt.Errorf("open git repository %s: %w", gitDir, err)
	}
	if rev == "" {
		return nil, fmt.Errorf("git repository %s: no commit given", gitDir)
	}
	head, err := revCommit(repo, rev)
	if err != nil {
		return nil, fmt.Errorf("commit %s in %s: %w", rev, gitDir, err)
	}
	s := &Snapshot{repoDir: abs, objects: newObjectReader(repo.Storer), head: head}
	if s.root, err = s.objects.tree(head.TreeHash); err != nil {
		return nil, fmt.Errorf("read tree of commit %s in %s: %w", head.Hash, gitDir, err)
	}
	return s, nil
}
