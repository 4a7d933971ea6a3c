package registry

import (
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Record tags, from werf's own tests (pkg/slug/slug_test.go: the murmur3 values
// of "A" and "da/ta", the legacy double-dash slugs) and werf v2's formats.
func TestRecordTags(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	const stage = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1700000000000"
	tests := []struct {
		name, got, want string
	}{
		{"managed image", ManagedImageTag("backend"), "managed-image-backend"},
		{"managed staged image", ManagedImageTag("app/stage/builder"), "managed-image-app__slash__stage__slash__builder"},
		{"managed nameless image", ManagedImageTag(""), "managed-image-__nameless__"},
		{"managed image with space and plus", ManagedImageTag("a b+c"), "managed-image-a__space__b__plus__c"},
		{"managed image that is no tag", ManagedImageTag("Über"), "managed-image-uber-" + legacyHash("Über")},
		{"meta", MetaTag("A", commit, stage), "meta-54dcf7ce_" + commit + "_" + stage},
		{"meta: the hash is not padded", MetaTag("da/ta", commit, stage), "meta-afa96f8_" + commit + "_" + stage},
		{"meta of the nameless image", MetaTag("", commit, stage), "meta-0_" + commit + "_" + stage},
		{"custom tag kept", CustomTagMetaTag("main"), "custom-tag-meta-main"},
		{"custom tag slugged", CustomTagMetaTag("A"), "custom-tag-meta-a-54dcf7ce"},
		{"custom tag legacy double dash", CustomTagMetaTag("postgres-feature-31981-change-delivery-date-del-result"), "custom-tag-meta-postgres-feature-31981-change-delivery--852739dc"},
		{"custom tag legacy double dash 2", CustomTagMetaTag("php_fpm_exporter-monitoring-dev-encrypt-1"), "custom-tag-meta-php-fpm-exporter-monitoring-dev-encrypt--83286e5"},
		{"custom tag slug is stable", CustomTagMetaTag("postgres-feature-31981-change-delivery--852739dc"), "custom-tag-meta-postgres-feature-31981-change-delivery--852739dc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}

// A record is werf's manifest-only image: a Docker image of one empty layer
// whose config has only labels and its creation time.
func TestRecordImage(t *testing.T) {
	created := time.Date(2026, 12, 5, 10, 0, 0, 123456789, time.UTC)
	img, err := recordImage(map[string]string{"werf": "shop"}, created)
	require.NoError(t, err)

	mt, err := img.MediaType()
	require.NoError(t, err)
	assert.Equal(t, types.DockerManifestSchema2, mt)
	m, err := img.Manifest()
	require.NoError(t, err)
	assert.Equal(t, types.DockerConfigJSON, m.Config.MediaType)
	require.Len(t, m.Layers, 1)
	assert.Equal(t, types.DockerLayer, m.Layers[0].MediaType)

	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "", cfg.Architecture)
	assert.Equal(t, "", cfg.OS)
	assert.True(t, cfg.Created.Time.Equal(created))
	assert.Equal(t, map[string]string{"werf": "shop"}, cfg.Config.Labels)
	assert.Equal(t, []v1.History{{}}, cfg.History)
	// werf's empty layer: a tar archive of nothing (1024 zero bytes).
	assert.Equal(t, "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", cfg.RootFS.DiffIDs[0].String())

	// Same labels, a nanosecond apart: another manifest.
	other, err := recordImage(map[string]string{"werf": "shop"}, created.Add(time.Nanosecond))
	require.NoError(t, err)
	d1, err := img.Digest()
	require.NoError(t, err)
	d2, err := other.Digest()
	require.NoError(t, err)
	assert.NotEqual(t, d1, d2)
}
