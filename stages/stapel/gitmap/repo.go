package gitmap

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/internal/once"
)

// repository is one git repository the mappings read: the project's own, or
// the cached mirror of a remote one. It is shared by every mapping of it and
// safe for concurrent use.
type repository struct {
	name   string // werf's GitRepo().GetName(), for messages
	local  bool
	url    string // remote only, with any password hidden
	gitDir string // where git runs, as werf runs it: the project's git directory, or the mirror

	// workTree is the project's working tree (local only): werf diffs a commit
	// that has submodules there, where the submodules are checked out.
	workTree string

	mu     sync.Mutex // guards goRepo: go-git's storage is not safe for concurrent use
	goRepo *git.Repository

	// project is the project's snapshot, reused when a mapping reads the
	// commit it was taken at and it is rooted at the repository's root.
	project *source.Snapshot

	snapshots once.Map[string, *source.Snapshot] // repository-rooted, per commit
	changed   once.Map[string, []changedPath]    // per "from..to"
	merges    once.Map[[2]string, string]        // detached merge commits, per (from, into)
}

func (r *repository) String() string {
	if r.local {
		return "the project's repository"
	}
	return "repository " + r.url
}

// openLocal binds the project's repository.
func openLocal(ctx context.Context, project *source.Snapshot) (*repository, error) {
	if project == nil {
		return nil, errors.New("git mappings of the project's repository need the project's snapshot")
	}
	if project.Dev() {
		// werf commits the working tree to a service branch to build it; the
		// patches and labels of git stages need real commits.
		return nil, errors.New("git mappings of the project's repository are not supported in --dev mode yet: commit the changes and build without --dev")
	}
	if project.Commit() == "" {
		return nil, fmt.Errorf("git repository %s has no commit yet", project.RepoDir())
	}
	workTree := project.RepoDir()
	// werf's ResolveRepoDir: the git directory of the working tree (a linked
	// worktree's .git is a file naming it).
	out, err := runGit(ctx, "", "--git-dir", filepath.Join(workTree, ".git"), "rev-parse", "--git-dir")
	if err != nil {
		return nil, fmt.Errorf("git directory of %s: %w", workTree, err)
	}
	gitDir := strings.TrimSpace(string(out))
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(workTree, gitDir)
	}
	repo, err := git.PlainOpenWithOptions(workTree, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", workTree, err)
	}
	return &repository{
		name:     localName,
		local:    true,
		gitDir:   gitDir,
		workTree: workTree,
		goRepo:   repo,
		project:  project,
	}, nil
}

// snapshot reads a commit of the repository, rooted at the repository's root.
func (r *repository) snapshot(commit string) (*source.Snapshot, error) {
	return r.snapshots.Get(commit, func() (*source.Snapshot, error) {
		if r.local {
			if r.project.ProjectPath() == "" && r.project.Commit() == commit {
				return r.project, nil
			}
			return source.Open(r.workTree, source.AtCommit(commit))
		}
		return source.OpenGitDir(r.gitDir, commit)
	})
}

// hasCommit is werf's IsCommitExists: a commit that is not hex is an error,
// one the repository lacks is false.
func (r *repository) hasCommit(commit string) (bool, error) {
	b, err := hex.DecodeString(commit)
	if err != nil {
		return false, fmt.Errorf("bad commit hash %q: %w", commit, err)
	}
	if len(b) != len(plumbing.ZeroHash) {
		return false, nil
	}
	var h plumbing.Hash
	copy(h[:], b)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err = r.goRepo.CommitObject(h)
	switch {
	case errors.Is(err, plumbing.ErrObjectNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("bad commit %q: %w", commit, err)
	}
	return true, nil
}

// parents are a commit's parents in order.
func (r *repository) parents(commit string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.goRepo.CommitObject(plumbing.NewHash(commit))
	if err != nil {
		return nil, fmt.Errorf("bad commit %s: %w", commit, err)
	}
	var out []string
	for _, p := range c.ParentHashes {
		out = append(out, p.String())
	}
	return out, nil
}

// isAncestor is werf's true_git.IsAncestor: `git merge-base --is-ancestor`,
// where a name that is not a commit is no ancestor.
func (r *repository) isAncestor(ctx context.Context, ancestor, descendant string) (bool, error) {
	_, err := runGit(ctx, r.gitDir, "merge-base", "--is-ancestor", ancestor, descendant)
	var exit *gitError
	if errors.As(err, &exit) {
		if exit.code == 1 {
			return false, nil
		}
		if exit.code == 128 && strings.HasPrefix(exit.stderr, "fatal: Not a valid commit name ") {
			return false, nil
		}
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// commonGitOptions are the options werf passes to every git command
// (pkg/true_git/common.go getCommonGitOptions).
var commonGitOptions = []string{
	"-c", "core.autocrlf=false",
	"-c", "gc.auto=0",
	"-c", "commit.gpgsign=false",
	"-c", "core.untrackedCache=false",
	"-c", "core.splitIndex=false",
}

// gitError is a git command that ran and failed.
type gitError struct {
	args   []string
	code   int
	stderr string
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: exit status %d: %s", strings.Join(e.args, " "), e.code, strings.TrimSpace(e.stderr))
}

// runGit runs git with werf's common options in dir and returns its stdout.
func runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return runGitEnv(ctx, dir, nil, args...)
}

func runGitEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	var stdout bytes.Buffer
	if err := streamGit(ctx, dir, env, &stdout, args...); err != nil {
		return nil, err
	}
	return stdout.Bytes(), nil
}

// streamGit runs git with werf's common options in dir, its stdout going to
// out; env nil is this process's environment.
func streamGit(ctx context.Context, dir string, env []string, out io.Writer, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append(append([]string{}, commonGitOptions...), args...)...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("git %s: %w", strings.Join(args, " "), ctx.Err())
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return &gitError{args: args, code: exit.ExitCode(), stderr: stderr.String()}
		}
		return fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// gitEnvironment is the environment git commands run with when one is set.
func gitEnvironment() []string { return os.Environ() }
