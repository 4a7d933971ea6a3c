package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Cleanup is one `dagwerf cleanup`: werf's cleanup of --repo (and its
// --cache-repo and --final-repo).
type Cleanup struct {
	Project  Project
	Storage  Storage
	DryRun   bool
	Parallel int // registry requests at once; 0 is werf's 10
	// KeepHours is --keep-stages-built-within-last-n-hours, nil when not
	// given (werf.yaml's keepImagesBuiltWithinLastNHours, else 2).
	KeepHours    *int
	KeepListPath string // --keep-list: a file of tags to keep, one a line
	WithoutKube  bool   // --without-kube
	Kube         cleanup.KubeAccess
	// NoFetch reads origin's branches and tags as the repository has them,
	// where werf.yaml would have them fetched first (the Dagger module, whose
	// container cannot reach the caller's origin).
	NoFetch bool
	// ReportPath is where werf's cleanup report is written (JSON), "" for
	// none (--save-cleanup-report, --cleanup-report-path).
	ReportPath string
	Version    string

	Out io.Writer // every decision, and what was deleted
	Err io.Writer // warnings
}

// ErrCleanupNeedsRepo is a cleanup without --repo.
var ErrCleanupNeedsRepo = errors.New("cleanup needs --repo: it cleans up a container registry repository")

// Run cleans up.
func (c Cleanup) Run(ctx context.Context) (*cleanup.Report, error) {
	out, errOut := orDiscard(c.Out), orDiscard(c.Err)
	if c.Storage.Repo == "" {
		return nil, ErrCleanupNeedsRepo
	}
	if err := c.Storage.Validate(); err != nil {
		return nil, err
	}
	keepList, err := readKeepList(c.KeepListPath)
	if err != nil {
		return nil, err
	}
	if err := checkWritable(c.ReportPath); err != nil {
		return nil, err
	}
	snap, cfg, err := c.Project.Load()
	if err != nil {
		return nil, err
	}
	meta := cfg.Meta
	history, err := source.OpenHistory(snap.RepoDir())
	if err != nil {
		return nil, err
	}
	if !meta.Cleanup.Disable && !meta.Cleanup.DisableGitHistoryBasedPolicy && !c.NoFetch {
		if err := syncOrigin(ctx, history, meta.GitWorktree.AllowFetchOriginBranchesAndTags, meta.GitWorktree.ForceShallowClone, out); err != nil {
			return nil, err
		}
	}

	var deployed map[string][]string
	if !c.WithoutKube && !meta.Cleanup.DisableKubernetesBasedPolicy && !meta.Cleanup.Disable {
		clusters, err := c.Kube.Clusters()
		if err != nil {
			return nil, err
		}
		if deployed, err = cleanup.DeployedImages(ctx, clusters); err != nil {
			return nil, err
		}
	}

	// Cleanup takes no stage lock (werf's does not either): :local keeps
	// the storage from warning about a missing --synchronization.
	storage := c.Storage
	if storage.Synchronization == "" {
		storage.Synchronization = ":local"
	}
	st, err := storage.Open(cfg, errOut,
		registry.WithUserAgent("dagwerf/"+c.Version),
		registry.WithWarnings(func(w string) { fmt.Fprintln(errOut, "Warning:", w) }))
	if err != nil {
		return nil, err
	}
	defer st.Close()

	var images []string
	for _, img := range cfg.Images {
		images = append(images, img.Name)
	}
	rep, err := cleanup.Run(ctx, st.Storage, history, cleanup.Options{
		Images: images, Cleanup: meta.Cleanup, GitWorktree: meta.GitWorktree,
		KeepHours: c.KeepHours, KeepList: keepList, Deployed: deployed,
		DryRun: c.DryRun, Parallel: c.Parallel, Out: out,
	})
	if rep != nil && c.ReportPath != "" {
		err = errors.Join(err, rep.Save(c.ReportPath, "cleanup", c.Storage.Repo, c.Storage.FinalRepo))
	}
	return rep, err
}

// DefaultCleanupReportPath is werf's.
const DefaultCleanupReportPath = ".werf-cleanup-report.json"

// CleanupReportPath is werf's reading of --cleanup-report-path: "" is the
// default, a path without an extension gets .json, any other is an error.
func CleanupReportPath(p string) (string, error) {
	switch ext := filepath.Ext(p); {
	case p == "":
		return DefaultCleanupReportPath, nil
	case ext == ".json":
		return p, nil
	case ext == "":
		return p + ".json", nil
	default:
		return "", fmt.Errorf("--cleanup-report-path %s: the extension must be .json or none", p)
	}
}

// checkWritable fails before anything is deleted when the report could not
// be written after.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cleanup report %s is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("cleanup report %s cannot be written: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// syncOrigin fetches origin's branches and tags as werf's cleanup does first
// (gitWorktree.allowFetchOriginBranchesAndTags, on by default); a shallow
// clone is left for the cleanup to refuse, not deepened.
func syncOrigin(ctx context.Context, h *source.History, allowFetch, forceShallow *bool, out io.Writer) error {
	if allowFetch != nil && !*allowFetch {
		return nil
	}
	shallow, err := h.Shallow()
	if err != nil {
		return err
	}
	if shallow && (forceShallow == nil || !*forceShallow) {
		return nil
	}
	has, err := h.HasRemote("origin")
	if err != nil {
		return err
	}
	if !has {
		return fmt.Errorf("the git repository %s has no remote origin: the cleanup keeps what origin's branches need, and without them would keep only what tags need (add the remote, or set gitWorktree.allowFetchOriginBranchesAndTags: false in werf.yaml to clean up with the references there are)", h.RepoDir())
	}
	fmt.Fprintln(out, "Fetching origin's branches and tags")
	return source.FetchOrigin(ctx, h.RepoDir())
}

// dockerTagPattern is a tag as Docker takes one.
var dockerTagPattern = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)

// readKeepList reads werf's --keep-list file: one tag a line, empty lines
// skipped.
func readKeepList(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--keep-list: %w", err)
	}
	defer f.Close()
	var tags []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		tag := strings.TrimSpace(sc.Text())
		switch {
		case tag == "":
		case dockerTagPattern.MatchString(tag):
			tags = append(tags, tag)
		default:
			return nil, fmt.Errorf("--keep-list %s:%d: %q is not a tag", path, n, tag)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--keep-list %s: %w", path, err)
	}
	return tags, nil
}

// Purge is one `dagwerf purge`: every stage and record of the project.
type Purge struct {
	Project  Project
	Storage  Storage
	DryRun   bool
	Force    bool // the confirmation a real purge needs
	Parallel int
	Version  string

	Out io.Writer
	Err io.Writer
}

// ErrPurgeNeedsForce is a purge without its confirmation.
var ErrPurgeNeedsForce = errors.New("purge deletes every stage and record of the project from --repo (and its --cache-repo and --final-repo copies), whatever uses them: pass --force to confirm, or --dry-run to see what it would delete")

// Run purges.
func (p Purge) Run(ctx context.Context) (*cleanup.Report, error) {
	out, errOut := orDiscard(p.Out), orDiscard(p.Err)
	if p.Storage.Repo == "" {
		return nil, errors.New("purge needs --repo")
	}
	if !p.Force && !p.DryRun {
		return nil, ErrPurgeNeedsForce
	}
	if err := p.Storage.Validate(); err != nil {
		return nil, err
	}
	_, cfg, err := p.Project.Load()
	if err != nil {
		return nil, err
	}
	storage := p.Storage
	if storage.Synchronization == "" {
		storage.Synchronization = ":local"
	}
	st, err := storage.Open(cfg, errOut,
		registry.WithUserAgent("dagwerf/"+p.Version),
		registry.WithWarnings(func(w string) { fmt.Fprintln(errOut, "Warning:", w) }))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return cleanup.Purge(ctx, st.Storage, cleanup.PurgeOptions{DryRun: p.DryRun, Parallel: p.Parallel, Out: out})
}
