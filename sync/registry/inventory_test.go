package registry_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// Stage tags as werf's cleanup takes them (GetStagesIDs): a 56-hex digest,
// with -<unix millis> (70 characters) or bare (a manifest list); here also
// only lower-case hex, so that a custom tag of that length is not a stage.
func TestParseStageTag(t *testing.T) {
	hex := strings.Repeat("ab", 28)
	tests := []struct {
		tag    string
		digest string
		millis int64
		ok     bool
	}{
		{hex + "-1700000000000", hex, 1700000000000, true},
		{hex, hex, 0, true},
		{hex + "-1700000000000-rejected", "", 0, false},
		{strings.Repeat("x", 56), "", 0, false},
		{strings.ToUpper(hex), "", 0, false},
		{hex + "-170000000000a", "", 0, false},
		{hex + "-170000000000", "", 0, false}, // 69 characters
		{"managed-image-app", "", 0, false},
		{"meta-1_2_3", "", 0, false},
	}
	for _, tt := range tests {
		d, ms, ok := registry.ParseStageTag(tt.tag)
		assert.Equal(t, tt.ok, ok, tt.tag)
		assert.Equal(t, tt.digest, d, tt.tag)
		assert.Equal(t, tt.millis, ms, tt.tag)
	}
}

// The image hash of meta records is werf's (pkg/storage/repo_stages_storage.go
// getImageMetadataID), and a managed-image record's tag names the image back.
func TestMetaImageHashAndManagedImageName(t *testing.T) {
	assert.Equal(t, "27dba8ed", registry.MetaImageHash("backend"))
	assert.Equal(t, "96741e1", registry.MetaImageHash("app/stage/builder"))
	assert.Equal(t, "0", registry.MetaImageHash(""))
	name, ok := registry.ManagedImageName(registry.ManagedImageTag("app/stage/builder"))
	assert.True(t, ok)
	assert.Equal(t, "app/stage/builder", name)
	name, ok = registry.ManagedImageName(registry.ManagedImageTag(""))
	assert.True(t, ok)
	assert.Empty(t, name)
}
