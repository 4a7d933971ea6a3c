package registry

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/dagwerf/dagwerf/stages"
)

// rejectedSuffix marks a stage werf found unusable: `<digest>-<millis>-rejected`.
const rejectedSuffix = "-rejected"

// tagSet is a repository's tags, indexed: stage IDs by digest, oldest first,
// rejected ones left out, and every tag for existence checks. Tags this run
// writes are added in place; a slice stageIDs returned is never changed.
type tagSet struct {
	mu     sync.RWMutex
	all    map[string]bool
	stages map[string][]stages.StageID
}

func newTagSet(tags []string) *tagSet {
	s := &tagSet{all: make(map[string]bool, len(tags)), stages: map[string][]stages.StageID{}}
	for _, t := range tags {
		s.all[t] = true
	}
	for _, t := range tags {
		if id, ok := s.usable(t); ok {
			s.stages[id.Digest] = append(s.stages[id.Digest], id)
		}
	}
	for _, ids := range s.stages {
		slices.SortFunc(ids, compareCreated)
	}
	return s
}

func compareCreated(a, b stages.StageID) int { return cmp.Compare(a.CreatedAt, b.CreatedAt) }

// usable parses a stage tag that is not rejected; other kinds of tags (werf's
// meta-…, a manifest list, a custom tag) are not stages.
func (s *tagSet) usable(tag string) (stages.StageID, bool) {
	if strings.HasSuffix(tag, rejectedSuffix) {
		return stages.StageID{}, false
	}
	id, err := stages.ParseStageID(tag)
	if err != nil || s.all[tag+rejectedSuffix] {
		return stages.StageID{}, false
	}
	return id, true
}

// has reports whether a tag exists.
func (s *tagSet) has(tag string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.all[tag]
}

// stageIDs are a digest's usable stages, oldest first.
func (s *tagSet) stageIDs(digest string) []stages.StageID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stages[digest]
}

// tags are all the tags, in no order.
func (s *tagSet) tags() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.all))
	for t := range s.all {
		out = append(out, t)
	}
	return out
}

// add records a tag this run wrote: a stage goes in its place among its
// digest's, a rejection takes its stage out.
func (s *tagSet) add(tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all[tag] {
		return
	}
	s.all[tag] = true
	if stage, ok := strings.CutSuffix(tag, rejectedSuffix); ok {
		if id, err := stages.ParseStageID(stage); err == nil {
			s.stages[id.Digest] = slices.DeleteFunc(slices.Clone(s.stages[id.Digest]), func(o stages.StageID) bool { return o == id })
		}
		return
	}
	id, ok := s.usable(tag)
	if !ok {
		return
	}
	ids := s.stages[id.Digest]
	i, _ := slices.BinarySearchFunc(ids, id, compareCreated)
	s.stages[id.Digest] = slices.Insert(slices.Clone(ids), i, id)
}

// tagCache lists a repository once per run: callers at the same time share the
// one request, which is cancelled when every one of them has given up; a failed
// listing is not kept, so a later caller tries again.
//
// A fresh listing (the re-check under a stage lock) shares only a request that
// started after it was asked for: one that started before may miss a tag
// another builder pushed just before the lock was had. The newest-started
// listing is the one kept, with the tags this run added while it ran.
type tagCache struct {
	list func(context.Context) ([]string, error)

	mu       sync.Mutex
	set      *tagSet
	setSeq   uint64   // the sequence number of the listing set came from
	started  uint64   // listings started so far; each one's sequence number
	inflight *tagCall // the newest listing under way, if any
	written  []string // every tag this run wrote, in order
}

type tagCall struct {
	seq     uint64
	written int // len(tagCache.written) when it started: later tags it may miss
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
	return c.listLocked(ctx, 0)
}

// fresh lists the tags again (a re-check under a lock) and keeps the result.
func (c *tagCache) fresh(ctx context.Context) (*tagSet, error) {
	c.mu.Lock()
	return c.listLocked(ctx, c.started)
}

// listLocked joins the newest listing under way if it started after listing
// number after, else starts one; c.mu is held on entry.
func (c *tagCache) listLocked(ctx context.Context, after uint64) (*tagSet, error) {
	call := c.inflight
	if call == nil || call.seq <= after {
		call = c.startLocked(ctx)
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
			if c.inflight == call {
				c.inflight = nil // nobody else joins a cancelled listing
			}
		}
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (c *tagCache) startLocked(ctx context.Context) *tagCall {
	c.started++
	listCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	call := &tagCall{seq: c.started, written: len(c.written), done: make(chan struct{}), cancel: cancel}
	c.inflight = call
	go func() {
		defer cancel()
		tags, err := c.list(listCtx)
		c.mu.Lock()
		if err == nil {
			call.set = newTagSet(tags)
			for _, t := range c.written[call.written:] {
				call.set.add(t)
			}
			if call.seq > c.setSeq {
				c.set, c.setSeq = call.set, call.seq
			}
		}
		call.err = err
		if c.inflight == call {
			c.inflight = nil
		}
		c.mu.Unlock()
		close(call.done)
	}()
	return call
}

// added records a tag this run wrote, so that later lookups see it.
func (c *tagCache) added(tag string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.written = append(c.written, tag)
	if c.set != nil {
		c.set.add(tag)
	}
}
