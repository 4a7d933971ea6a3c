package source

import (
	"errors"
	"io"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// overlay serves objects made from the working tree before those of the repository,
// so that go-git's tree and blob readers see the virtual commit. Nothing is written
// to the repository.
type overlay struct {
	storer.EncodedObjectStorer
	added map[plumbing.Hash]plumbing.EncodedObject
}

func newOverlay(base storer.EncodedObjectStorer) *overlay {
	return &overlay{EncodedObjectStorer: base, added: map[plumbing.Hash]plumbing.EncodedObject{}}
}

func (o *overlay) set(obj plumbing.EncodedObject) { o.added[obj.Hash()] = obj }

// add encodes a tree and keeps it.
func (o *overlay) add(t *object.Tree) (plumbing.Hash, error) {
	obj := &plumbing.MemoryObject{}
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	o.set(obj)
	return obj.Hash(), nil
}

func (o *overlay) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if obj, ok := o.added[h]; ok && (t == plumbing.AnyObject || t == obj.Type()) {
		return obj, nil
	}
	return o.EncodedObjectStorer.EncodedObject(t, h)
}

func (o *overlay) HasEncodedObject(h plumbing.Hash) error {
	if _, ok := o.added[h]; ok {
		return nil
	}
	return o.EncodedObjectStorer.HasEncodedObject(h)
}

func (o *overlay) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if obj, ok := o.added[h]; ok {
		return obj.Size(), nil
	}
	return o.EncodedObjectStorer.EncodedObjectSize(h)
}

// fileBlob is a blob of the working tree, read from its file only when asked for.
type fileBlob struct {
	path string
	hash plumbing.Hash
	size int64
}

var errReadOnlyBlob = errors.New("working-tree blob is read-only")

func (b *fileBlob) Hash() plumbing.Hash            { return b.hash }
func (b *fileBlob) Type() plumbing.ObjectType      { return plumbing.BlobObject }
func (b *fileBlob) SetType(plumbing.ObjectType)    {}
func (b *fileBlob) Size() int64                    { return b.size }
func (b *fileBlob) SetSize(int64)                  {}
func (b *fileBlob) Reader() (io.ReadCloser, error) { return os.Open(b.path) }
func (b *fileBlob) Writer() (io.WriteCloser, error) {
	return nil, errReadOnlyBlob
}
