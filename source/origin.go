package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// FetchOrigin brings origin's branches and tags up to date in the repository
// at repoDir, pruning those origin no longer has, as werf's cleanup does before
// it reads them (gitWorktree.allowFetchOriginBranchesAndTags): a CI clone
// often has only the branch it builds, and a cleanup that read only that one
// would take every other branch for gone. It runs the git command line, which
// knows the remote's credentials; it is the one thing in this package that
// changes the repository (its remote-tracking references and tags).
func FetchOrigin(ctx context.Context, repoDir string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return errors.New("fetching origin's branches and tags needs the git command line, which is not installed (install git, or set gitWorktree.allowFetchOriginBranchesAndTags: false in werf.yaml and fetch them yourself)")
	}
	cmd := exec.CommandContext(ctx, "git", "-C", repoDir, "fetch", "--prune", "--prune-tags", "origin", "+refs/heads/*:refs/remotes/origin/*")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("fetch origin's branches and tags in %s (git fetch --prune --prune-tags origin): %w: %s", repoDir, err, strings.TrimSpace(out.String()))
	}
	return nil
}
