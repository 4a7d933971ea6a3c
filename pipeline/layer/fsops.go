package layer

import (
	"errors"
	"io/fs"
	"syscall"
)

// The process werf's steps run as: root in the container's user namespace,
// with the usual umask. Everything a step creates belongs to 0:0 unless it
// chowns it; new directories and files lose the umask's bits. (Observed with
// werf v2.77.1 in native-chroot mode: see /work/shared-notes/stapel-layers-check.md.)
const (
	umask      = 0o022
	processUID = 0
	processGID = 0
)

const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
)

// The syscalls werf's steps make (through Go's os package), on the
// filesystem. Paths are as werf passes them: resolved by the kernel (see walk).

// lstat is os.Lstat: the node, nil and ENOENT when it does not exist.
func (f *fsys) lstat(p string) (string, *node, error) { return f.stat(p, false) }

func (f *fsys) stat(p string, follow bool) (string, *node, error) {
	rp, n, err := f.walk(p, follow)
	if err != nil {
		return "", nil, err
	}
	if n == nil {
		return rp, nil, pathErr("stat", rp, syscall.ENOENT)
	}
	return rp, n, nil
}

func notExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func notDir(err error) bool { return errors.Is(err, syscall.ENOTDIR) }

// newNode gives a node the process creates in dir: its owner, and the group
// of a set-group-ID directory, which a new directory also inherits the bit of.
func newNode(k kind, perm int64, dir *node) *node {
	n := &node{kind: k, mode: perm &^ umask, uid: processUID, gid: processGID}
	if k == kindDir {
		n.children = map[string]*node{}
	}
	if k == kindSymlink {
		n.mode = 0o777
	}
	if dir.mode&modeSetgid != 0 {
		n.gid = dir.gid
		if k == kindDir {
			n.mode |= modeSetgid
		}
	}
	return n
}

// parentDir resolves where a new entry at p goes: the resolved path, and the
// directory that holds it, which must exist.
func (f *fsys) parentDir(op, p string) (string, *node, error) {
	rp, _, err := f.walk(p, false)
	if err != nil {
		return "", nil, err
	}
	if rp == "" {
		return "", nil, pathErr(op, rp, syscall.EEXIST)
	}
	_, dir, _ := f.walk(parentOf(rp), false)
	return rp, dir, nil
}

// mkdir is os.Mkdir.
func (f *fsys) mkdir(p string, perm int64) error {
	rp, dir, err := f.parentDir("mkdir", p)
	if err != nil {
		return err
	}
	if _, n, _ := f.walk(rp, false); n != nil {
		return pathErr("mkdir", rp, syscall.EEXIST)
	}
	f.attach(rp, newNode(kindDir, perm, dir))
	return nil
}

// mkdirAll is os.MkdirAll: nothing when p is a directory (or a symlink to
// one), else its parents, then itself.
func (f *fsys) mkdirAll(p string, perm int64) error {
	p = cleanPath(p)
	_, n, err := f.walk(p, true)
	if err == nil && n != nil {
		if n.kind == kindDir {
			return nil
		}
		return pathErr("mkdir", p, syscall.ENOTDIR)
	}
	if p == "" {
		return err
	}
	if dir := parentOf(p); dir != "" {
		if err := f.mkdirAll(dir, perm); err != nil {
			return err
		}
	}
	if err := f.mkdir(p, perm); err != nil {
		if _, n, lerr := f.walk(p, false); lerr == nil && n != nil && n.kind == kindDir {
			return nil
		}
		return err
	}
	return nil
}

// create is os.OpenFile(p, O_CREATE|O_TRUNC|O_WRONLY, perm) and writing the
// content: through a symlink at p, into an existing file keeping its mode and
// owner, else a new file.
func (f *fsys) create(p string, perm int64, data *blob) (string, *node, error) {
	rp, n, err := f.walk(p, true)
	if err != nil {
		return "", nil, err
	}
	if n != nil {
		switch n.kind {
		case kindDir:
			return "", nil, pathErr("open", rp, syscall.EISDIR)
		case kindSpecial:
			return "", nil, pathErr("open", rp, errors.New("a device or a FIFO, which werf would write to"))
		}
		n = f.edit(rp)
		n.data, n.hdr = data, nil
		return rp, n, nil
	}
	_, dir, err := f.walk(parentOf(rp), false)
	if err != nil {
		return "", nil, err
	}
	if dir == nil {
		return "", nil, pathErr("open", rp, syscall.ENOENT)
	}
	if dir.kind != kindDir {
		return "", nil, pathErr("open", rp, syscall.ENOTDIR)
	}
	n = newNode(kindFile, perm, dir)
	n.data = data
	f.attach(rp, n)
	return rp, n, nil
}

// symlink is os.Symlink.
func (f *fsys) symlink(target, p string) error {
	rp, dir, err := f.parentDir("symlink", p)
	if err != nil {
		return err
	}
	if _, n, _ := f.walk(rp, false); n != nil {
		return pathErr("symlink "+target, rp, syscall.EEXIST)
	}
	if dir == nil {
		return pathErr("symlink "+target, rp, syscall.ENOENT)
	}
	n := newNode(kindSymlink, 0, dir)
	n.link = target
	f.attach(rp, n)
	return nil
}

// lchown is os.Lchown with -1 for a nil ID. Changing the owner of a regular
// file drops its set-user-ID bit, and its set-group-ID bit when it is
// group-executable (Linux does so for root too).
func (f *fsys) lchown(p string, uid, gid *uint32) error {
	if uid == nil && gid == nil {
		return nil
	}
	rp, _, err := f.lstat(p)
	if err != nil {
		return err
	}
	chown(f.edit(rp), uid, gid)
	return nil
}

func chown(n *node, uid, gid *uint32) {
	if uid != nil {
		n.uid = int(*uid)
	}
	if gid != nil {
		n.gid = int(*gid)
	}
	if n.kind == kindFile {
		n.mode &^= modeSetuid
		if n.mode&0o010 != 0 {
			n.mode &^= modeSetgid
		}
	}
}

// chmod is os.Chmod: the mode bits become perm, set-ID and sticky bits too.
func (f *fsys) chmod(p string, perm int64) error {
	rp, _, err := f.stat(p, true)
	if err != nil {
		return err
	}
	f.edit(rp).mode = perm & 0o7777
	return nil
}

// removeAll is os.RemoveAll: nothing when p does not exist.
func (f *fsys) removeAll(p string) error {
	rp, n, err := f.walk(p, false)
	switch {
	case notExist(err):
		return nil
	case err != nil:
		return err
	case n == nil:
		return nil
	case rp == "":
		return pathErr("unlinkat", rp, syscall.EBUSY)
	}
	f.detach(rp)
	return nil
}
