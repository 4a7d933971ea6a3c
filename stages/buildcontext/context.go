package buildcontext

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/stages/internal/once"
	"github.com/dagwerf/dagwerf/stages/lstree"
	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// Context is an image's build context: a directory of the snapshot filtered by its
// .dockerignore, plus the contextAddFiles from the working tree.
type Context struct {
	snap       *source.Snapshot
	dir        string            // project-relative; "" is the project directory
	ignore     pathmatch.Matcher // the .dockerignore seen from dir; nil without one
	ignoreFile string
	ignoreKey  []string // the patterns ignore was made of, to tell two contexts' rules apart
	addFiles   []string // contextAddFiles, relative to dir

	checksums once.Map[string, string] // by the sources' key
	walks     atomic.Int64             // tree walks so far, for tests
}

// Option configures a Context.
type Option func(*Context) error

// WithDockerignore applies a .dockerignore (its path and content). As in werf, a
// .dockerignore that would leave out the Dockerfile itself (dockerfile is relative
// to the context) gets an exception for it.
func WithDockerignore(file string, data []byte, dockerfile string) Option {
	return func(c *Context) error {
		lines, err := pathmatch.ReadDockerignoreLines(file, data)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			return nil // an empty file ignores nothing
		}
		patterns := make([]string, len(lines))
		for i, l := range lines {
			patterns[i] = l.Pattern
		}
		ignore, err := c.dockerignore(file, lines, patterns)
		if err != nil {
			return err
		}
		if !ignore.Match(path.Join(c.dir, dockerfile)) {
			patterns = append(patterns, "!"+dockerfile)
			if ignore, err = c.dockerignore(file, lines, patterns); err != nil {
				return err
			}
		}
		c.ignore, c.ignoreFile, c.ignoreKey = ignore, file, patterns
		return nil
	}
}

// dockerignore makes the matcher of patterns, the file's lines and perhaps the
// Dockerfile's exception; an error names the file, the line and the pattern.
func (c *Context) dockerignore(file string, lines []pathmatch.DockerignoreLine, patterns []string) (pathmatch.Matcher, error) {
	m, err := pathmatch.Dockerignore(patterns)
	var bad *pathmatch.PatternError
	switch {
	case errors.As(err, &bad) && bad.Index < len(lines) && lines[bad.Index].Line > 0:
		l := lines[bad.Index]
		what := fmt.Sprintf("pattern %q", l.Text)
		if l.Text != l.Pattern {
			what += fmt.Sprintf(" (read as %q)", l.Pattern)
		}
		return nil, fmt.Errorf("%s:%d: %s: %w", file, l.Line, what, bad.Err)
	case errors.As(err, &bad) && bad.Index >= len(lines):
		return nil, fmt.Errorf("%s: pattern %q (added to keep the Dockerfile in the context): %w", file, bad.Pattern, bad.Err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return pathmatch.New(c.dir, nil, m)
}

// WithAddFiles adds werf.yaml's contextAddFiles, paths relative to the context that
// are read from the working tree.
func WithAddFiles(files ...string) Option {
	return func(c *Context) error {
		c.addFiles = append(c.addFiles, files...)
		return nil
	}
}

// New opens the build context at the project-relative directory dir.
func New(snap *source.Snapshot, dir string, opts ...Option) (*Context, error) {
	dir, err := source.Clean(dir)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	c := &Context{snap: snap, dir: dir}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Checksum is the dependency string werf records for a COPY or ADD with these
// expanded sources. A source naming a path (no wildcard) that the context lacks is
// an error, since the build would fail on it; a wildcard may match nothing.
// Callers asking for the same sources share one computation, and its error
// (unless ctx ended it). The walk stops when ctx is done.
func (c *Context) Checksum(ctx context.Context, sources []string) (string, error) {
	return c.checksums.Get(strings.Join(sources, "\x00"), func() (string, error) { return c.checksum(ctx, sources) })
}

func (c *Context) checksum(ctx context.Context, sources []string) (string, error) {
	if err := c.checkSources(sources); err != nil {
		return "", err
	}
	m, err := c.takes(sources)
	if err != nil {
		return "", err
	}
	tree, err := c.lsTree(ctx, m)
	if err != nil {
		return "", err
	}
	sum := sha256Hex(tree.Checksum())
	if len(c.addFiles) > 0 {
		add, err := c.addFilesChecksum(ctx, sources)
		if err != nil {
			return "", fmt.Errorf("contextAddFiles: %w", err)
		}
		if add != "" {
			sum = sha256Hex(sum + ":::" + add)
		}
	}
	return sum, nil
}

// lsTree is werf's ls-tree of the context (the scope) with what m takes, as
// calculateFilesChecksumWithGit asks for it.
func (c *Context) lsTree(ctx context.Context, m pathmatch.Matcher) (*lstree.Result, error) {
	c.walks.Add(1)
	// werf's scope lookup (processSpecificEntryFilepath): into a submodule that
	// holds the context, nothing past a symlink on its path.
	return lstree.Walk(ctx, c.snap, c.dir, m, lstree.Options{})
}

// takes is the matcher of what COPY/ADD sources take from the context: werf's
// globs of the sources, under the .dockerignore.
func (c *Context) takes(sources []string) (pathmatch.Matcher, error) {
	include, err := pathmatch.New(c.dir, normalizeSources(sources), nil)
	if err != nil {
		return nil, fmt.Errorf("COPY/ADD sources %q: %w", strings.Join(sources, " "), err)
	}
	return pathmatch.All(c.ignoreMatcher(), include), nil
}

// ignoreMatcher is werf's dockerignore matcher: the patterns seen from the context,
// or a matcher that takes everything in it.
func (c *Context) ignoreMatcher() pathmatch.Matcher {
	if c.ignore != nil {
		return c.ignore
	}
	m, _ := pathmatch.New(c.dir, nil, nil) // no globs: cannot fail
	return m
}

// normalizeSources turns COPY/ADD sources into werf's globs: cleaned, rooted at the
// context ("/" and "." are the context itself).
func normalizeSources(sources []string) []string {
	out := make([]string, 0, len(sources))
	for _, s := range sources {
		n := path.Clean(s)
		if n == "/" {
			n = "."
		}
		out = append(out, strings.TrimPrefix(n, "/"))
	}
	return out
}

// checkSources refuses a source that names a path the context does not have, or
// that its .dockerignore leaves out: the build would fail on it later, with less
// to say.
func (c *Context) checkSources(sources []string) error {
	for _, s := range sources {
		if isRemote(s) || strings.ContainsAny(s, `*?[`) {
			continue
		}
		rel := normalizeSources([]string{s})[0]
		p := path.Join(c.dir, rel)
		if c.providedByAddFiles(rel) {
			continue
		}
		e, err := lookupThroughSubmodules(c.snap, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%q is not in the build context %s (%s)", s, contextName(c.dir), c.revision())
		case err != nil:
			return err
		}
		// A directory may be excluded while exceptions inside it are not: only a
		// file is known to be gone.
		if c.ignore != nil && !e.IsDir() && !c.ignore.Match(p) {
			return fmt.Errorf("%q is excluded from the build context by %s", s, c.ignoreFile)
		}
	}
	return nil
}

// lookupThroughSubmodules finds a path, entering the submodules on its way.
func lookupThroughSubmodules(snap *source.Snapshot, p string) (source.Entry, error) {
	e, err := snap.Lookup(p)
	if !errors.Is(err, fs.ErrNotExist) {
		return e, err
	}
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		prefix := strings.Join(parts[:i], "/")
		link, err := snap.Lookup(prefix)
		if err != nil {
			return source.Entry{}, err
		}
		if link.Mode == filemode.Submodule {
			sub, err := snap.Submodule(prefix, link.Hash)
			if err != nil {
				return source.Entry{}, err
			}
			return lookupThroughSubmodules(sub, strings.Join(parts[i:], "/"))
		}
	}
	return e, err
}

// providedByAddFiles reports whether a contextAddFiles entry is the source or lies in it.
func (c *Context) providedByAddFiles(rel string) bool {
	for _, f := range c.addFiles {
		f = path.Clean(f)
		if rel == "." || f == rel || strings.HasPrefix(f, rel+"/") {
			return true
		}
	}
	return false
}

func (c *Context) revision() string {
	if c.snap.Dev() {
		return "the working tree"
	}
	if commit := c.snap.Commit(); len(commit) >= 12 {
		return "commit " + commit[:12]
	}
	return "the HEAD commit"
}

func contextName(dir string) string {
	if dir == "" {
		return "(the project directory)"
	}
	return dir
}

// isRemote recognises ADD sources that BuildKit fetches rather than reads.
func isRemote(s string) bool {
	return strings.Contains(s, "://") || strings.HasPrefix(s, "git@")
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
