package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	written := &Report{Images: map[string]ReportImage{"bundle": {WerfImageName: "bundle", DockerRepo: "r/m", DockerTag: "t", Final: true}}}
	path := filepath.Join(dir, "images_tags_werf.json")
	require.NoError(t, written.Write(path))
	got, err := ReadReport(path)
	require.NoError(t, err)
	assert.Equal(t, written.Images, got.Images)

	// A werf report has fields dagwerf's has not: they are ignored.
	werf := filepath.Join(dir, "werf.json")
	require.NoError(t, os.WriteFile(werf, []byte(`{"Images": {"bundle": {"WerfImageName": "bundle", "DockerImageName": "r/m:t", "NewField": 1}}}`), 0o644))
	got, err = ReadReport(werf)
	require.NoError(t, err)
	assert.Equal(t, "r/m:t", got.Images["bundle"].DockerImageName)

	tests := []struct {
		name, content, err string
	}{
		{"images.env", "WERF_BUNDLE_DOCKER_IMAGE_NAME=x\n", "save the report as JSON"},
		{"broken.json", "{", "not a werf build report"},
		{"other.json", `{"a": 1}`, `it has no "Images"`},
		{"missing.json", "", "no such file"},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name)
		if tt.content != "" {
			require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o644))
		}
		_, err := ReadReport(p)
		assert.ErrorContains(t, err, tt.err, tt.name)
	}
}
