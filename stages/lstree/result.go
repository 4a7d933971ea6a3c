package lstree

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/dagwerf/dagwerf/source"
)

// Result is what a walk takes (werf's ls_tree.Result): entries of the walked
// repository and, for each submodule entered, what was taken in it. Paths are
// relative to the walked snapshot's project directory, a submodule's entries
// included.
type Result struct {
	Entries    []Entry
	Submodules []Submodule
}

// Entry is one taken tree entry: a file, a symlink, or a directory or
// submodule taken whole.
type Entry struct {
	Path string
	Mode filemode.FileMode
	Hash plumbing.Hash // the git object: blob, tree, or a gitlink's commit
}

// Submodule is what a walk took inside a submodule it entered.
type Submodule struct {
	Path   string
	Snap   *source.Snapshot // the submodule at its gitlink's commit: its entries' objects are there
	Result *Result
}

// Empty reports whether nothing was taken (werf's IsEmpty).
func (r *Result) Empty() bool { return len(r.Entries) == 0 && len(r.Submodules) == 0 }

// Checksum is werf's Result.Checksum: SHA-256 over the entries' object hashes
// in hex, in order of their paths (as strings, not git's tree order; the paths
// themselves are not hashed), then each submodule's own checksum in path
// order; "" when nothing was taken. It sorts r in place.
func (r *Result) Checksum() string {
	if r.Empty() {
		return ""
	}
	r.sort()
	h := sha256.New()
	var buf [2 * len(plumbing.ZeroHash)]byte
	for _, e := range r.Entries {
		hex.Encode(buf[:], e.Hash[:])
		h.Write(buf[:])
	}
	for _, s := range r.Submodules {
		if sum := s.Result.Checksum(); sum != "" {
			h.Write([]byte(sum))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Range calls fn for every entry in werf's Result.Walk order: the entries by
// path, then each submodule's (by the submodule's path), recursively; with
// each entry comes the snapshot its object is read from (snap, the one walked,
// or a submodule's). It sorts r in place.
func (r *Result) Range(snap *source.Snapshot, fn func(Entry, *source.Snapshot) error) error {
	r.sort()
	for _, e := range r.Entries {
		if err := fn(e, snap); err != nil {
			return err
		}
	}
	for _, s := range r.Submodules {
		if err := s.Result.Range(s.Snap, fn); err != nil {
			return err
		}
	}
	return nil
}

func (r *Result) sort() {
	slices.SortFunc(r.Entries, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(r.Submodules, func(a, b Submodule) int { return strings.Compare(a.Path, b.Path) })
}
