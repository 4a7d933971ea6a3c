package layer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Owner is werf's getUIDAndGID (buildah_backend.go) on the stage's
// filesystem as it is now: "" is nil (nothing changes), a decimal number up to
// 2^32-1 is that ID, anything else a name looked up in /etc/passwd or
// /etc/group of the image (found as werf finds them: symlinks followed inside
// the image), read only then. A name that is not there is an error.
func (b *Builder) Owner(ctx context.Context, owner, group string) (uid, gid *uint32, err error) {
	if err := b.init(ctx); err != nil {
		return nil, nil, err
	}
	if uid, err = b.id(ctx, owner, "user", "etc/passwd"); err != nil {
		return nil, nil, err
	}
	if gid, err = b.id(ctx, group, "group", "etc/group"); err != nil {
		return nil, nil, err
	}
	return uid, gid, nil
}

func (b *Builder) id(ctx context.Context, nameOrID, what, file string) (*uint32, error) {
	if nameOrID == "" {
		return nil, nil
	}
	n, err := strconv.ParseUint(nameOrID, 10, 32)
	switch {
	case err == nil:
		id := uint32(n)
		return &id, nil
	case !errors.Is(err, strconv.ErrSyntax):
		return nil, fmt.Errorf("%s ID %q: %w", what, nameOrID, err)
	}
	id, err := b.lookupID(ctx, nameOrID, file)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, nameOrID, err)
	}
	return &id, nil
}

// lookupID is werf's getUIDFromUserName and getGIDFromGroupName: the third
// field of the first line whose first field is the name.
func (b *Builder) lookupID(ctx context.Context, name, file string) (uint32, error) {
	p, err := b.fs.secureJoin(file)
	if err != nil {
		return 0, err
	}
	_, n, err := b.fs.stat(p, true)
	if err != nil {
		return 0, fmt.Errorf("open /%s of the image: %w", file, err)
	}
	if n.kind != kindFile {
		return 0, fmt.Errorf("read /%s of the image: not a regular file", file)
	}
	if err := fetch(ctx, []*blob{n.data}); err != nil {
		return 0, err
	}
	r, size, err := n.data.open()
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(io.LimitReader(r, size))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 || fields[0] != name {
			continue
		}
		id, err := strconv.ParseUint(fields[2], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("unexpected ID in /%s of the image, can't parse to uint: %w", file, err)
		}
		return uint32(id), nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("scan /%s of the image: %w", file, err)
	}
	return 0, fmt.Errorf("no such name in /%s of the image", file)
}
