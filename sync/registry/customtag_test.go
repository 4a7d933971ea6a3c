package registry_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
)

func TestExpandCustomTag(t *testing.T) {
	img := registry.CustomTagImage{Name: "backend/api", ContentBasedTag: strings.Repeat("a", 56) + "-1700000000000"}
	tests := []struct {
		template, want, err string
	}{
		{template: "latest", want: "latest"},
		{template: "%image_slug%-main", want: "backend-api-main"},
		{template: "%image_safe_slug%", want: registry.SafeSlug("backend/api")},
		{template: "%image_content_based_tag%", want: img.ContentBasedTag},
		{template: "%image%", err: `custom tag "%image%" gives "backend/api" for image "backend/api", which is not a valid tag`},
		{template: "%unknown%", err: `custom tag "%unknown%": unknown placeholder`},
		{template: "-%image_slug%", err: "not a valid tag"},
	}
	for _, tt := range tests {
		got, err := registry.ExpandCustomTag(tt.template, img)
		if tt.err != "" {
			assert.ErrorContains(t, err, tt.err, tt.template)
			continue
		}
		require.NoError(t, err, tt.template)
		assert.Equal(t, tt.want, got, tt.template)
	}
}

func TestCustomTagsCollide(t *testing.T) {
	_, err := registry.CustomTags([]string{"latest"}, []registry.CustomTagImage{{Name: "api"}, {Name: "worker"}})
	assert.EqualError(t, err, `custom tag "latest" gives images "api" and "worker" the same tag "latest": add %image% or %image_slug% to it`)

	tags, err := registry.CustomTags([]string{"%image%-v1", "%image%-v1"}, []registry.CustomTagImage{{Name: "api"}, {Name: "worker"}})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"api": {"api-v1"}, "worker": {"worker-v1"}}, tags)
}

// SafeSlug's expected values are werf's (pkg/slug/slug_test.go, TestDockerTag).
func TestSlug(t *testing.T) {
	tests := []struct{ in, slug, safe string }{
		{"api", "api", "api"},
		{"", "", ""},
		{"-data", "data", "data-a871d86e"},
		{"da/ta", "da-ta", "da-ta-afa96f8"},
		{strings.Repeat("x", 129), strings.Repeat("x", 129), strings.Repeat("x", 128-len("-8cca70eb")) + "-8cca70eb"},
		{"Backend API", "backend-api", ""},
		{"a/b__c", "a-b-c", ""},
		{"Crème brûlée", "creme-brulee", ""},
		{"v1.2_ok", "v1-2-ok", "v1.2_ok"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.slug, registry.Slug(tt.in), tt.in)
		if tt.safe != "" || tt.in == "" {
			assert.Equal(t, tt.safe, registry.SafeSlug(tt.in), tt.in)
		}
	}
}
