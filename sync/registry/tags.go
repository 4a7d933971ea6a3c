package registry

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/dagwerf/dagwerf/stages"
)

// rejectedSuffix marks a stage werf found unusable: `<digest>-<millis>-rejected`.
const rejectedSuffix = "-rejected"

// tagSet is a repository's tags, indexed: stage IDs by digest, oldest first,
// rejected ones left out, and every tag for existence checks.
type tagSet struct {
	all    map[string]bool
	stages map[string][]stages.StageID
}

func newTagSet(tags []string) *tagSet {
	s := &tagSet{all: make(map[string]bool, len(tags)), stages: map[string][]stages.StageID{}}
	for _, t := range tags {
		s.all[t] = true
	}
	for _, t := range tags {
		if strings.HasSuffix(t, rejectedSuffix) {
			continue
		}
		id, err := stages.ParseStageID(t)
		if err != nil || s.all[t+rejectedSuffix] {
			continue // another kind of tag (werf's meta-…, a manifest list, a custom tag), or rejected
		}
		s.stages[id.Digest] = append(s.stages[id.Digest], id)
	}
	for _, ids := range s.stages {
		slices.SortFunc(ids, func(a, b stages.StageID) int { return compareInt(a.CreatedAt, b.CreatedAt) })
	}
	return s
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// has reports whether a tag exists.
func (s *tagSet) has(tag string) bool { return s.all[tag] }

// stageIDs are a digest's usable stages, oldest first.
func (s *tagSet) stageIDs(digest string) []stages.StageID { return s.stages[digest] }

// add records a tag this run wrote.
func (s *tagSet) add(tag string) *tagSet {
	tags := make([]string, 0, len(s.all)+1)
	for t := range s.all {
		tags = append(tags, t)
	}
	return newTagSet(append(tags, tag))
}

// tagCache lists a repository once per run: callers at the same time share the
// one request, which is cancelled when every one of them has given up; a failed
// listing is not kept, so a later caller tries again.
type tagCache struct {
	list func(context.Context) ([]string, error)

	mu       sync.Mutex
	set      *tagSet
	inflight *tagCall
}

type tagCall struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // guarded by the cache's mu
	set     *tagSet
	err     error
}

// get returns the cached tags, listing them if this run has not yet.
func (c *tagCache) get(ctx context.Context) (*tagSet, error) {
	c.mu.Lock()
	if c.set != nil {
		s := c.set
		c.mu.Unlock()
		return s, nil
	}
	return c.listLocked(ctx)
}

// fresh lists the tags again (a re-check under a lock) and keeps the result.
func (c *tagCache) fresh(ctx context.Context) (*tagSet, error) {
	c.mu.Lock()
	return c.listLocked(ctx)
}

// listLocked joins the listing under way or starts one; c.mu is held on entry.
func (c *tagCache) listLocked(ctx context.Context) (*tagSet, error) {
	call := c.inflight
	if call == nil {
		listCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		call = &tagCall{done: make(chan struct{}), cancel: cancel}
		c.inflight = call
		go func() {
			defer cancel()
			tags, err := c.list(listCtx)
			c.mu.Lock()
			if err == nil {
				call.set = newTagSet(tags)
				c.set = call.set
			}
			call.err = err
			c.inflight = nil
			c.mu.Unlock()
			close(call.done)
		}()
	}
	call.waiters++
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.set, call.err
	case <-ctx.Done():
		c.mu.Lock()
		if call.waiters--; call.waiters == 0 {
			call.cancel() // nobody waits for it any more
		}
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

// added records a tag this run wrote, so that later lookups see it.
func (c *tagCache) added(tag string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set != nil {
		c.set = c.set.add(tag)
	}
}
