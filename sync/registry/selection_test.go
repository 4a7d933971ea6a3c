package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// pushLabeled stores a stage carrying a commit label, as a Stapel git stage does.
func pushLabeled(t *testing.T, repo, digest string, ts int64, commit string) {
	t.Helper()
	ref, err := name.NewTag(fmt.Sprintf("%s:%s", repo, stages.StageID{Digest: digest, CreatedAt: ts}))
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, image(t, "linux/amd64", map[string]string{registry.LabelProject: project, "commit": commit})))
}

// suitableCommit takes stages whose commit label is in the set, as werf takes a
// git stage whose recorded commit is an ancestor of HEAD.
func suitableCommit(ok ...string) registry.LookupOption {
	return registry.Suitable(func(ctx context.Context, d *registry.StageDesc) (bool, error) {
		cfg, err := d.Config(ctx)
		if err != nil {
			return false, err
		}
		for _, c := range ok {
			if cfg.Config.Labels["commit"] == c {
				return true, nil
			}
		}
		return false, nil
	})
}

func TestLookupSelection(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []registry.LookupOption
		want int64 // 0: nothing found
	}{
		{"the oldest", nil, 1000},
		{"none older than the parent stage", []registry.LookupOption{registry.CreatedNotBefore(1500)}, 2000},
		{"created at the parent's millisecond is taken", []registry.LookupOption{registry.CreatedNotBefore(2000)}, 2000},
		{"all older than the parent", []registry.LookupOption{registry.CreatedNotBefore(3500)}, 0},
		{"the oldest suitable", []registry.LookupOption{suitableCommit("c2", "c3")}, 2000},
		{"suitable and not older than the parent", []registry.LookupOption{suitableCommit("c1", "c3"), registry.CreatedNotBefore(1500)}, 3000},
		{"none suitable", []registry.LookupOption{suitableCommit("c9")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := registrytest.New(t)
			repo := reg.Host + "/shop"
			pushLabeled(t, repo, digestA, 1000, "c1")
			pushLabeled(t, repo, digestA, 2000, "c2")
			pushLabeled(t, repo, digestA, 3000, "c3")
			s, _ := newStorage(t, repo)
			desc, err := s.Lookup(context.Background(), digestA, tc.opts...)
			require.NoError(t, err)
			if tc.want == 0 {
				assert.Nil(t, desc)
				return
			}
			require.NotNil(t, desc)
			assert.Equal(t, tc.want, desc.ID.CreatedAt)
		})
	}
}

func TestLookupSelectionInSecondaryRepos(t *testing.T) {
	reg := registrytest.New(t)
	repo, secondary := reg.Host+"/shop", reg.Host+"/old"
	pushLabeled(t, secondary, digestA, 1000, "c1")
	pushLabeled(t, secondary, digestA, 2000, "c2")
	s, _ := newStorage(t, repo, registry.WithSecondaryRepos(secondary))

	desc, err := s.Lookup(context.Background(), digestA, suitableCommit("c2"))
	require.NoError(t, err)
	require.NotNil(t, desc)
	assert.Equal(t, int64(2000), desc.ID.CreatedAt, "the unsuitable older stage is passed over")
	assert.Equal(t, registry.OriginSecondary, desc.Origin)
	assert.Equal(t, []string{digestA + "-2000"}, tagsOf(t, repo), "only the suitable stage is copied")
}

func TestPublishTakesOnlyASuitableStoredStage(t *testing.T) {
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	pushLabeled(t, repo, digestA, 1000, "c1")
	s, _ := newStorage(t, repo)

	var pushes int
	desc, published, err := s.Publish(context.Background(), digestA, registry.StageLabels{Project: project}, pushFunc(t, "linux/amd64", &pushes), suitableCommit("c2"))
	require.NoError(t, err)
	assert.True(t, published, "a stored stage the selection refuses is not taken")
	assert.Equal(t, 1, pushes)
	assert.NotEqual(t, int64(1000), desc.ID.CreatedAt)

	desc, published, err = s.Publish(context.Background(), digestA, registry.StageLabels{Project: project}, pushFunc(t, "linux/amd64", &pushes), suitableCommit("c1"))
	require.NoError(t, err)
	assert.False(t, published)
	assert.Equal(t, int64(1000), desc.ID.CreatedAt)
}
