package registry

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
)

// snapshotLister is a registry whose tag listing answers, when the test lets it,
// with the tags as they were when the request started.
type snapshotLister struct {
	mu       sync.Mutex
	tags     []string
	listings chan *listing // each listing as it starts
}

type listing struct {
	snapshot []string
	answer   chan struct{}
}

func newSnapshotLister(tags ...string) *snapshotLister {
	return &snapshotLister{tags: tags, listings: make(chan *listing, 8)}
}

func (l *snapshotLister) list(ctx context.Context) ([]string, error) {
	l.mu.Lock()
	call := &listing{snapshot: slices.Clone(l.tags), answer: make(chan struct{})}
	l.mu.Unlock()
	l.listings <- call
	select {
	case <-call.answer:
		return call.snapshot, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *snapshotLister) push(tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tags = append(l.tags, tag)
}

func (l *snapshotLister) next(t *testing.T, why string) *listing {
	t.Helper()
	select {
	case call := <-l.listings:
		return call
	case <-time.After(2 * time.Second):
		t.Fatal(why)
		return nil
	}
}

type listResult struct {
	set *tagSet
	err error
}

// The re-check under the stage lock does not take the answer of a listing that
// started before the lock was had: it would miss the stage another builder
// pushed just before, and this run would push the digest again. The newest
// listing is the one kept, whatever order the answers come in, with the tags
// the run wrote meanwhile.
func TestFreshListingStartsAfterItIsAskedFor(t *testing.T) {
	a := strings.Repeat("a", 56)
	l := newSnapshotLister("latest")
	c := &tagCache{list: l.list}
	ctx := context.Background()

	runs := make(chan listResult, 1)
	go func() { s, err := c.get(ctx); runs <- listResult{s, err} }()
	first := l.next(t, "the run's listing never started")

	theirs := a + "-1000"
	l.push(theirs) // another builder pushes, then lets go of the lock
	fresh := make(chan listResult, 1)
	go func() { s, err := c.fresh(ctx); fresh <- listResult{s, err} }()
	second := l.next(t, "the fresh listing joined one that started before it")

	ours := "v1-custom" // a tag this run writes while both listings run
	c.added(ours)

	close(second.answer)
	got := <-fresh
	require.NoError(t, got.err)
	assert.Equal(t, []stages.StageID{{Digest: a, CreatedAt: 1000}}, got.set.stageIDs(a))
	assert.True(t, got.set.has(ours))

	close(first.answer) // the older listing answers last
	require.NoError(t, (<-runs).err)
	kept, err := c.get(ctx)
	require.NoError(t, err)
	assert.True(t, kept.has(theirs), "the newest listing is kept")
	assert.True(t, kept.has(ours), "with the tags the run wrote while it ran")
	assert.True(t, kept.has("latest"))
}

// Lookups at the same time share one listing; a fresh one after them lists again.
func TestListingsShared(t *testing.T) {
	l := newSnapshotLister("latest")
	c := &tagCache{list: l.list}
	ctx := context.Background()
	results := make(chan listResult, 3)
	for range 3 {
		go func() { s, err := c.get(ctx); results <- listResult{s, err} }()
	}
	first := l.next(t, "no listing")
	time.Sleep(20 * time.Millisecond) // the other lookups join it
	close(first.answer)
	for range 3 {
		require.NoError(t, (<-results).err)
	}
	select {
	case <-l.listings:
		t.Fatal("a second listing for lookups at the same time")
	default:
	}

	go func() { s, err := c.fresh(ctx); results <- listResult{s, err} }()
	close(l.next(t, "fresh did not list again").answer)
	require.NoError(t, (<-results).err)
}

// Adding a tag gives the index that listing every tag would.
func TestTagSetAdd(t *testing.T) {
	a, b := strings.Repeat("a", 56), strings.Repeat("b", 56)
	listed := []string{a + "-2000", a + "-1000", b + "-5", "latest", a + "-700", a + "-700-rejected"}
	s := newTagSet(listed)
	before := s.stageIDs(a)
	require.Equal(t, []stages.StageID{{Digest: a, CreatedAt: 1000}, {Digest: a, CreatedAt: 2000}}, before)

	added := []string{a + "-1500", a + "-3000", a + "-500", a + "-1000-rejected", b + "-1", "meta-x"}
	for _, tag := range added {
		s.add(tag)
	}
	s.add(a + "-1500") // again
	s.add(a + "-700")  // listed, and rejected
	want := newTagSet(append(slices.Clone(listed), added...))
	assert.Equal(t, want.stages, s.stages)
	assert.Equal(t, want.all, s.all)
	assert.Equal(t, []stages.StageID{{Digest: a, CreatedAt: 500}, {Digest: a, CreatedAt: 1500}, {Digest: a, CreatedAt: 2000}, {Digest: a, CreatedAt: 3000}}, s.stageIDs(a))
	assert.Equal(t, []stages.StageID{{Digest: a, CreatedAt: 1000}, {Digest: a, CreatedAt: 2000}}, before, "a slice handed out is never changed")
}
