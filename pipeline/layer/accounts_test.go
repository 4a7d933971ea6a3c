package layer_test

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline/layer"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func u32(v uint32) *uint32 { return &v }

// Owner resolves owner and group as werf's getUIDAndGID: numbers as they
// are, names from the image's /etc/passwd and /etc/group.
func TestOwner(t *testing.T) {
	base := werfBase(t, false)
	// /etc is a symlink here, as on some distributions' images.
	linked := imageOf(t, []entry{
		dir("private", 0o755, 0, 0), dir("private/etc", 0o755, 0, 0), symlink("etc", "private/etc"),
		file("private/etc/passwd", 0o644, 0, 0, "# comment\nshort:x\napp:x:2000:2000::/:/bin/sh\n"),
		file("private/etc/group", 0o644, 0, 0, "app:x:3000:\n"),
	})
	bad := imageOf(t, []entry{dir("etc", 0o755, 0, 0), file("etc/passwd", 0o644, 0, 0, "app:x:nine:9::/:/bin/sh\n")})

	tests := []struct {
		name         string
		base         v1.Image
		owner, group string
		uid, gid     *uint32
		err          string
	}{
		{name: "nothing set", base: base},
		{name: "numbers", base: base, owner: "0", group: "4294967295", uid: u32(0), gid: u32(4294967295)},
		{name: "an owner only", base: base, owner: "1000", uid: u32(1000)},
		{name: "names", base: base, owner: "web", group: "staff", uid: u32(1001), gid: u32(50)},
		{name: "names through a symlinked /etc", base: linked, owner: "app", group: "app", uid: u32(2000), gid: u32(3000)},
		{name: "an unknown user", base: base, owner: "nobody", err: `user "nobody": no such name in /etc/passwd of the image`},
		{name: "an unknown group", base: base, group: "wheel", err: `group "wheel": no such name in /etc/group of the image`},
		{name: "a number out of range", base: base, owner: "4294967296", err: `user ID "4294967296"`},
		{name: "a negative number is a name", base: base, owner: "-1", err: `user "-1": no such name`},
		{name: "no /etc/group", base: imageOf(t, []entry{dir("etc", 0o755, 0, 0)}), group: "app", err: "open /etc/group of the image"},
		{name: "a bad ID in /etc/passwd", base: bad, owner: "app", err: "unexpected ID in /etc/passwd of the image"},
		{name: "names on scratch", owner: "app", err: "open /etc/passwd of the image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := layer.New(tt.base, layer.WithTempDir(t.TempDir()))
			defer b.Close()
			uid, gid, err := b.Owner(context.Background(), tt.owner, tt.group)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.uid, uid)
			assert.Equal(t, tt.gid, gid)
		})
	}
}

// Owner reads the stage's filesystem as it is now: an /etc/passwd an earlier
// step of the stage wrote is the one read.
func TestOwnerAfterAStep(t *testing.T) {
	r := gittest.New(t)
	c := r.CommitFiles(map[string]string{"passwd": "builder:x:4242:4242::/:/bin/sh\n"})
	b := layer.New(werfBase(t, false), layer.WithTempDir(t.TempDir()))
	defer b.Close()
	ctx := context.Background()
	_, _, err := b.Owner(ctx, "builder", "")
	require.Error(t, err)
	require.NoError(t, b.GitArchive(ctx, openMapping(t, r, c, config.GitMapping{Add: "/passwd", To: "/etc/passwd"})))
	uid, _, err := b.Owner(ctx, "builder", "")
	require.NoError(t, err)
	assert.Equal(t, u32(4242), uid)
}
