package cleanup

import (
	"context"
	"errors"
	"fmt"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// execute deletes what the plan decided, in werf's order, at most o.Parallel
// deletions at a time. Before the first deletion every repository that has
// something to delete is asked whether it deletes at all: a registry that
// refuses (deletion turned off, credentials that may not delete) fails the
// cleanup with nothing deleted. A cache repo that refuses is a warning, as
// werf treats cache repos.
func execute(ctx context.Context, s *registry.Storage, inv *registry.Inventory, pl *plan, o Options, rep *Report) error {
	all := pl.all()
	doomed := map[string][]string{}
	for _, it := range all {
		doomed[it.Repo] = append(doomed[it.Repo], it.Tag)
	}
	deleters := map[string]*registry.Deleter{}
	caches := map[string]bool{}
	for _, c := range s.CacheRepos() {
		caches[c] = true
	}
	for _, repo := range append([]string{inv.Repo}, append(s.CacheRepos(), s.FinalRepo())...) {
		if repo == "" || len(doomed[repo]) == 0 || deleters[repo] != nil {
			continue
		}
		known := map[string]v1.Hash{}
		if repo == inv.Repo {
			known = knownDigests(inv)
		}
		d, err := s.NewDeleter(ctx, repo, doomed[repo], known)
		if err == nil {
			err = d.Check(ctx)
		}
		if err != nil {
			if caches[repo] {
				fmt.Fprintf(o.Out, "Warning: %v; stages deleted from --repo stay in this cache repo\n", err)
				continue
			}
			return err
		}
		deleters[repo] = d
	}

	x := &executor{o: o, rep: rep, deleters: deleters}
	// Rejected stages: the stage, its custom tags, then its marker; a
	// failure leaves the rest for the next cleanup.
	if err := x.groups(ctx, pl.rejected); err != nil {
		return err
	}
	for _, phase := range [][]Item{pl.deleteStages, pl.deleteCaches} {
		if err := x.phase(ctx, phase); err != nil {
			return err
		}
	}
	// A custom tag's record goes once the tag is gone.
	var tags, records []Item
	for _, it := range pl.deleteCustom {
		if it.Type == TypeCustomTag {
			tags = append(tags, it)
		} else {
			records = append(records, it)
		}
	}
	if err := x.phase(ctx, tags); err != nil {
		return err
	}
	if err := x.phase(ctx, x.withoutFailedTags(records, pl.deleteCustom)); err != nil {
		return err
	}
	for _, phase := range [][]Item{pl.deleteImports, pl.deleteMeta, pl.deleteManaged, pl.deleteFinal} {
		if err := x.phase(ctx, phase); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.Out, "Deleted %d tags", len(rep.Deleted))
	if len(rep.Failed) > 0 {
		fmt.Fprintf(o.Out, ", %d failed", len(rep.Failed))
	}
	fmt.Fprintln(o.Out)
	return nil
}

type executor struct {
	o        Options
	deleters map[string]*registry.Deleter

	mu     sync.Mutex
	rep    *Report
	failed map[string]bool // repo + ":" + tag
}

// phase deletes items in parallel. A registry that refuses stops everything.
func (x *executor) phase(ctx context.Context, items []Item) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(x.o.Parallel)
	for _, it := range items {
		g.Go(func() error {
			_, err := x.one(gctx, it)
			return err
		})
	}
	return g.Wait()
}

// groups deletes each group's items one after another, the groups in
// parallel; a group stops at its first failure.
func (x *executor) groups(ctx context.Context, groups [][]Item) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(x.o.Parallel)
	for _, group := range groups {
		g.Go(func() error {
			for _, it := range group {
				ok, err := x.one(gctx, it)
				if err != nil || !ok {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// one deletes one item; ok is false when it stays. Only a refusal is an
// error: any other failure is reported and left for the next cleanup.
func (x *executor) one(ctx context.Context, it Item) (ok bool, err error) {
	d := x.deleters[it.Repo]
	if d == nil {
		if it.Type != TypeCacheStage { // a cache repo that refuses was warned of
			x.fail(it, "its repository refuses to delete")
		}
		return false, nil
	}
	_, err = d.Delete(ctx, it.Tag)
	var refused *registry.RefusedError
	var shared *registry.SharedError
	switch {
	case err == nil:
		x.mu.Lock()
		x.rep.Deleted = append(x.rep.Deleted, it)
		x.mu.Unlock()
		return true, nil
	case errors.As(err, &refused):
		return false, err
	case errors.As(err, &shared):
		x.mu.Lock()
		x.rep.Kept = append(x.rep.Kept, Item{Repo: it.Repo, Tag: it.Tag, Type: it.Type, Reason: "shares its manifest with the kept tag " + shared.Kept + ", and the registry deletes only whole manifests"})
		x.mu.Unlock()
		x.printf("Kept %s:%s: %v\n", it.Repo, it.Tag, err)
		x.markFailed(it)
		return false, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case it.Type == TypeCacheStage:
		// werf: a cache repo that cannot be cleaned is a warning.
		x.printf("Warning: %s:%s stays in the cache repo: %v\n", it.Repo, it.Tag, err)
		return false, nil
	default:
		x.fail(it, err.Error())
		return false, nil
	}
}

// printf writes to the output one line at a time: deletions run in parallel.
func (x *executor) printf(format string, args ...any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fmt.Fprintf(x.o.Out, format, args...)
}

func (x *executor) fail(it Item, why string) {
	x.printf("Warning: %s:%s was not deleted: %s\n", it.Repo, it.Tag, why)
	x.mu.Lock()
	x.rep.Failed = append(x.rep.Failed, Item{Repo: it.Repo, Tag: it.Tag, Type: it.Type, Reason: why})
	x.mu.Unlock()
	x.markFailed(it)
}

func (x *executor) markFailed(it Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failed == nil {
		x.failed = map[string]bool{}
	}
	x.failed[it.Repo+":"+it.Tag] = true
}

// withoutFailedTags leaves out the records of custom tags that stayed.
func (x *executor) withoutFailedTags(records, pairs []Item) []Item {
	x.mu.Lock()
	defer x.mu.Unlock()
	stayed := map[string]bool{}
	for i, it := range pairs {
		if it.Type == TypeCustomTag && x.failed[it.Repo+":"+it.Tag] && i+1 < len(pairs) {
			stayed[pairs[i+1].Tag] = true
		}
	}
	var out []Item
	for _, r := range records {
		if !stayed[r.Tag] {
			out = append(out, r)
		}
	}
	return out
}
