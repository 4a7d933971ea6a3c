package importsum_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/importsum"
)

// Values computed with sha256sum over werf's argument lists, joined with ":::"
// (util.Sha256Hash): getImportID, getImportSourceID and getDependencyImportID in
// werf's pkg/build/stage/dependencies.go. TestWerfValues has the ones werf
// itself wrote.
func TestIDs(t *testing.T) {
	// "ImageName::::::ArtifactName:::builder:::Stage:::install:::After::::::Before:::setup:::Add:::/out:::To:::/out:::Group:::app:::Owner:::app:::IncludePaths:::bin///lib/*.so:::ExcludePaths:::"
	artifact := config.FileImport{Image: "builder", Artifact: true, Stage: "install", Before: "setup", Add: "/out/", Owner: "app", Group: "app", IncludePaths: []string{"bin", "lib/*.so"}}
	assert.Equal(t, "fe3f0aa9901d8e0df792f817d90c6137f736aca22c418fbcdb1882b9b6a45813", importsum.ID(artifact),
		"an artifact is named by ArtifactName; to defaults to add; add is cleaned")

	// "SourceImageContentDigest:::external-image:alpine:3.20:::Add:::/etc:::IncludePaths:::ssl:::ExcludePaths:::"
	assert.Equal(t, "f873558a042f22ee5d30d2c38a0cb3a3fa542fbf05eb1093591906f0af5a5dbe",
		importsum.SourceID(importsum.ExternalSource("alpine:3.20"), importsum.Spec{Add: "/etc", IncludePaths: []string{"ssl/"}}))

	tests := []struct {
		imp  config.Import
		want string
	}{
		{config.Import{Type: config.ImageName, TargetEnv: "BASE"}, "7f5d2b761177e533e4911f4d2f317520b7dbf01cb60d3cdfbc6927904fa5f2db"},
		{config.Import{Type: config.ImageDigest, TargetEnv: "DIGEST", TargetBuildArg: "ignored"}, "adc34cb319397f66779311a10c778e35d319e560a342d36a54526471141f4f0e"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, importsum.DependencyImportID(tt.imp), "%+v", tt.imp)
	}
}

// What the source ID leaves out: the destination and the stage it goes in, so
// two images importing the same files share one import-metadata record.
func TestSourceIDIgnoresDestination(t *testing.T) {
	a := config.FileImport{Image: "src", Add: "/data", To: "/a", After: "install"}
	b := config.FileImport{Image: "src", Add: "/data", To: "/b", Before: "setup", Owner: "x"}
	assert.Equal(t, importsum.SourceID("d", importsum.SpecOf(a)), importsum.SourceID("d", importsum.SpecOf(b)))
	assert.NotEqual(t, importsum.ID(a), importsum.ID(b))
	assert.NotEqual(t, importsum.SourceID("d", importsum.SpecOf(a)), importsum.SourceID("e", importsum.SpecOf(a)))
}
