package source

import (
	"fmt"
	"io"
	"iter"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Tree is one git tree as a snapshot read it. It is immutable: image tasks share
// it without locks.
type Tree struct {
	Hash    plumbing.Hash
	entries []TreeEntry
	byName  map[string]int
}

// TreeEntry is one entry of a tree: a name, its mode and its object.
type TreeEntry struct {
	Name string
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// Entries are the tree's entries in git's order.
func (t *Tree) Entries() iter.Seq[TreeEntry] {
	return func(yield func(TreeEntry) bool) {
		for _, e := range t.entries {
			if !yield(e) {
				return
			}
		}
	}
}

// Len is the number of entries.
func (t *Tree) Len() int { return len(t.entries) }

// Find is the entry called name.
func (t *Tree) Find(name string) (TreeEntry, bool) {
	i, ok := t.byName[name]
	if !ok {
		return TreeEntry{}, false
	}
	return t.entries[i], true
}

// objectReader reads a snapshot's git objects for many goroutines at once.
// go-git's object storage is not safe for concurrent use (its pack index, open
// packfiles and object cache are shared, unguarded), nor is a go-git Tree (its
// name index is built lazily on the first lookup), so every read goes through
// one lock and trees are handed out decoded into immutable Trees.
type objectReader struct {
	mu    sync.Mutex
	store storer.EncodedObjectStorer
	trees map[plumbing.Hash]*Tree // decoded trees; dropped whole when full
}

// maxCachedTrees bounds the decoded trees kept: lookups of nearby paths and
// repeated walks reuse them, a monorepo's whole history of trees is not kept.
const maxCachedTrees = 1 << 14

func newObjectReader(store storer.EncodedObjectStorer) *objectReader {
	return &objectReader{store: store, trees: map[plumbing.Hash]*Tree{}}
}

// tree reads and decodes the tree object h.
func (r *objectReader) tree(h plumbing.Hash) (*Tree, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.trees[h]; ok {
		return t, nil
	}
	gt, err := object.GetTree(r.store, h)
	if err != nil {
		return nil, fmt.Errorf("read git tree %s: %w", h, err)
	}
	t := &Tree{Hash: h, entries: make([]TreeEntry, len(gt.Entries)), byName: make(map[string]int, len(gt.Entries))}
	for i, e := range gt.Entries {
		t.entries[i] = TreeEntry{Name: e.Name, Mode: e.Mode, Hash: e.Hash}
		t.byName[e.Name] = i
	}
	if len(r.trees) >= maxCachedTrees {
		clear(r.trees)
	}
	r.trees[h] = t
	return t, nil
}

// parents are the parent commits of the commit h.
func (r *objectReader) parents(h plumbing.Hash) ([]plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := object.GetCommit(r.store, h)
	if err != nil {
		return nil, fmt.Errorf("read git commit %s: %w", h, err)
	}
	return c.ParentHashes, nil
}

// blob reads the whole content of the blob h. It is read under the lock: a
// packed object's reader decompresses from the shared pack.
func (r *objectReader) blob(h plumbing.Hash) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	obj, err := r.store.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("read git blob %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, fmt.Errorf("read git blob %s: %w", h, err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read git blob %s: %w", h, err)
	}
	return data, nil
}
