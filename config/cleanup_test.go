package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
)

// The cleanup section as werf reads it (pkg/config/raw_meta_cleanup.go): a
// reference written /…/ is a regular expression, anything else an exact name,
// both anchored; unset limits stay unset (the cleanup applies werf's
// defaults); `in` is a Go duration.
func TestCleanupKeepPolicies(t *testing.T) {
	cfg, err := load(t, map[string]string{"werf.yaml": `configVersion: 1
project: demo
cleanup:
  keepImagesBuiltWithinLastNHours: 5
  disableKubernetesBasedPolicy: true
  keepPolicies:
  - references: {tag: /^v\d+/}
    imagesPerReference: {last: 3}
  - references:
      branch: release-1.0
      limit: {last: 4, in: 72h, operator: Or}
    imagesPerReference: {last: -1, in: 1h30m}
  - references: {branch: /.*/}
gitWorktree:
  forceShallowClone: true
  allowFetchOriginBranchesAndTags: false
`}, config.Options{})
	require.NoError(t, err)
	c := cfg.Meta.Cleanup
	require.NotNil(t, c.KeepImagesBuiltWithinLastNHours)
	assert.Equal(t, 5, *c.KeepImagesBuiltWithinLastNHours)
	assert.True(t, c.DisableKubernetesBasedPolicy)
	require.Len(t, c.KeepPolicies, 3)

	tag := c.KeepPolicies[0]
	require.NotNil(t, tag.References.Tag)
	assert.Nil(t, tag.References.Branch)
	assert.True(t, tag.References.Tag.MatchString("v12"))
	assert.False(t, tag.References.Tag.MatchString("xv12"), "anchored: ^^v\\d+$ does not match")
	assert.Nil(t, tag.References.Limit)
	require.NotNil(t, tag.ImagesPerReference)
	assert.Equal(t, 3, *tag.ImagesPerReference.Last)
	assert.Nil(t, tag.ImagesPerReference.In)
	assert.Empty(t, tag.ImagesPerReference.Operator)

	release := c.KeepPolicies[1]
	assert.True(t, release.References.Branch.MatchString("release-1.0"))
	assert.False(t, release.References.Branch.MatchString("release-1x0"), "an exact name: the dot is literal")
	assert.False(t, release.References.Branch.MatchString("release-1.0.1"))
	lim := release.References.Limit
	require.NotNil(t, lim)
	assert.Equal(t, 4, *lim.Last)
	assert.Equal(t, 72*time.Hour, *lim.In)
	assert.Equal(t, "Or", lim.Operator)
	assert.Equal(t, -1, *release.ImagesPerReference.Last)
	assert.Equal(t, 90*time.Minute, *release.ImagesPerReference.In)

	assert.Nil(t, c.KeepPolicies[2].ImagesPerReference)

	gw := cfg.Meta.GitWorktree
	require.NotNil(t, gw.ForceShallowClone)
	assert.True(t, *gw.ForceShallowClone)
	assert.Nil(t, gw.AllowUnshallow)
	require.NotNil(t, gw.AllowFetchOriginBranchesAndTags)
	assert.False(t, *gw.AllowFetchOriginBranchesAndTags)
}

func TestCleanupKeepPolicyErrors(t *testing.T) {
	const head = "configVersion: 1\nproject: demo\ncleanup:\n"
	tests := []struct {
		name, cleanup, err string
	}{
		{"duration without unit", "  keepPolicies:\n  - references: {branch: main, limit: {in: 10}}\n", `cleanup.keepPolicies[0].references.limit.in: expected a duration such as 168h, got "10"`},
		{"bad operator", "  keepPolicies:\n  - references: {tag: /.*/}\n    imagesPerReference: {operator: Xor}\n", "cleanup.keepPolicies[0].imagesPerReference.operator: expected Or or And"},
		{"bad regexp", "  keepPolicies:\n  - references: {branch: /(/}\n", `cleanup.keepPolicies[0].references.branch: invalid regular expression "/(/"`},
		{"both tag and branch", "  keepPolicies:\n  - references: {branch: a, tag: b}\n", "set exactly one of tag and branch"},
		{"negative hours", "  keepImagesBuiltWithinLastNHours: -1\n", "cleanup.keepImagesBuiltWithinLastNHours: cannot be negative"},
		{"unknown key", "  keepPolicies:\n  - references: {branch: a, limit: {count: 1}}\n", "count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, map[string]string{"werf.yaml": head + tt.cleanup}, config.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}
