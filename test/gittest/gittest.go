// Package gittest makes real git repositories in temporary directories for tests,
// driving the git command line so that what tests see is what git itself writes.
package gittest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Repo is a git worktree in a temporary directory.
type Repo struct {
	t   testing.TB
	Dir string
}

// New initialises an empty repository; it skips the test when git is not installed.
func New(t testing.TB) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &Repo{t: t, Dir: dir}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Env isolates git from the user's and the machine's configuration and makes
// commits reproducible.
func Env() []string {
	return append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=dagwerf test", "GIT_AUTHOR_EMAIL=test@dagwerf.invalid",
		"GIT_COMMITTER_NAME=dagwerf test", "GIT_COMMITTER_EMAIL=test@dagwerf.invalid",
		"GIT_AUTHOR_DATE=2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2024-01-02T03:04:05Z",
	)
}

// Git runs git in the repository and returns its trimmed output; a failure fails the test.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	return r.GitAt(time.Time{}, args...)
}

// GitAt is Git with the author and committer dates (and a tag's tagger date)
// set to when; the zero time keeps Env's fixed date.
func (r *Repo) GitAt(when time.Time, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = r.Dir
	cmd.Env = Env()
	if !when.IsZero() {
		d := when.UTC().Format(time.RFC3339)
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Path is the absolute path of a repository-relative path.
func (r *Repo) Path(rel string) string { return filepath.Join(r.Dir, filepath.FromSlash(rel)) }

// Write creates or replaces a file, making parent directories.
func (r *Repo) Write(rel, content string) { r.WriteMode(rel, content, 0o644) }

// WriteMode is Write with a file mode.
func (r *Repo) WriteMode(rel, content string, mode os.FileMode) {
	r.t.Helper()
	p := r.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		r.t.Fatal(err)
	}
}

// WriteFiles writes several files.
func (r *Repo) WriteFiles(files map[string]string) {
	r.t.Helper()
	for rel, content := range files {
		r.Write(rel, content)
	}
}

// Symlink creates a symlink at rel pointing to target.
func (r *Repo) Symlink(target, rel string) {
	r.t.Helper()
	p := r.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		r.t.Fatal(err)
	}
}

// Remove deletes a file or a directory tree.
func (r *Repo) Remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(r.Path(rel)); err != nil {
		r.t.Fatal(err)
	}
}

// WithOrigin makes a bare repository beside the worktree and adds it as the
// remote origin; it returns the bare repository's directory.
func (r *Repo) WithOrigin() string {
	r.t.Helper()
	origin := filepath.Join(r.t.TempDir(), "origin.git")
	r.Git("init", "-q", "--bare", "-b", "main", origin)
	r.Git("remote", "add", "origin", origin)
	return origin
}

// CommitAt stages everything and commits with the author and committer dates
// set to when; it returns the commit hash.
func (r *Repo) CommitAt(msg string, when time.Time) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.GitAt(when, "commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}

// Commit stages everything (`git add -A`) and commits; it returns the commit hash.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}

// CommitFiles writes files and commits them.
func (r *Repo) CommitFiles(files map[string]string) string {
	r.t.Helper()
	r.WriteFiles(files)
	return r.Commit("files")
}

// ReadTree reads the regular files under root (path relative to root, with
// slashes → content), to commit a fixture directory into a Repo.
func ReadTree(t testing.TB, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
