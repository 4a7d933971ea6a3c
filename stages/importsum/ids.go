package importsum

import (
	"path"
	"strings"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
)

// NothingChecksum is the checksum of an import that takes no file: the MD5 of
// nothing (werf's nothingChecksum, pkg/build/stage/dependencies.go). werf warns
// "This import config does nothing" when it gets it.
const NothingChecksum = "d41d8cd98f00b204e9800998ecf8427e"

// The labels of a dependencies stage, one pair per import, followed by ID(imp)
// (werf's pkg/image/const.go).
const (
	ChecksumLabelPrefix      = "werf-import-checksum-"
	SourceStageIDLabelPrefix = "werf-import-source-stage-id-"
)

// externalImagePrefix names an external image where werf would put a source
// stage's content digest or stage ID (WerfImportSourceExternalImagePrefix).
const externalImagePrefix = "external-image"

// Spec is what the checksum of an import depends on besides the source image:
// the path taken from it and the globs that filter it (relative to Add).
type Spec struct {
	Add          string
	IncludePaths []string
	ExcludePaths []string
}

// SpecOf is an import's Spec, in the form werf's config gives it (see werfForm).
func SpecOf(imp config.FileImport) Spec {
	imp = werfForm(imp)
	return Spec{Add: imp.Add, IncludePaths: imp.IncludePaths, ExcludePaths: imp.ExcludePaths}
}

// ExternalSource is what werf hashes and records for an external source image
// (an import `from:` a registry reference) in place of a stage's content digest
// and stage ID: "external-image:<ref>" (getSourceImageContentDigest,
// getSourceStageID).
func ExternalSource(ref string) string { return externalImagePrefix + ":" + ref }

// SourceID names what an import takes from its source, whatever this image does
// with it: werf's importSourceID (getImportSourceID in
// pkg/build/stage/dependencies.go), the key of the import-metadata-<id> record
// that pins the checksum. sourceContentDigest is the werf-stage-content-digest of
// the source stage (the image's last non-empty stage, or the one the import's
// `stage` names), or ExternalSource(ref) for an external image.
//
// werf adds "CacheVersion", "true" under WERF_EXPERIMENTAL_STAPEL_IMPORT_PERMISSIONS;
// that mode is not reproduced.
func SourceID(sourceContentDigest string, spec Spec) string {
	spec = SpecOf(config.FileImport{Add: spec.Add, IncludePaths: spec.IncludePaths, ExcludePaths: spec.ExcludePaths})
	return stages.Sha256(
		"SourceImageContentDigest", sourceContentDigest,
		"Add", spec.Add,
		"IncludePaths", strings.Join(spec.IncludePaths, "///"),
		"ExcludePaths", strings.Join(spec.ExcludePaths, "///"),
	)
}

// ID names an import of an image in its dependencies stage's labels: werf's
// getImportID (pkg/build/stage/dependencies.go), over every key of the import.
func ID(imp config.FileImport) string {
	imp = werfForm(imp)
	imageName, artifactName := imp.Image, ""
	if imp.Artifact {
		imageName, artifactName = "", imp.Image
	}
	return stages.Sha256(
		"ImageName", imageName,
		"ArtifactName", artifactName,
		"Stage", imp.Stage,
		"After", imp.After,
		"Before", imp.Before,
		"Add", imp.Add,
		"To", imp.To,
		"Group", imp.Group,
		"Owner", imp.Owner,
		"IncludePaths", strings.Join(imp.IncludePaths, "///"),
		"ExcludePaths", strings.Join(imp.ExcludePaths, "///"),
	)
}

// ChecksumLabel is the label of the dependencies stage that carries the import's
// checksum.
func ChecksumLabel(imp config.FileImport) string { return ChecksumLabelPrefix + ID(imp) }

// SourceStageIDLabel is the label of the dependencies stage that carries the
// import's source stage ID (as the import-metadata record has it).
func SourceStageIDLabel(imp config.FileImport) string {
	return SourceStageIDLabelPrefix + ID(imp)
}

// DependencyImportID names one value a Stapel `dependencies` item passes to an
// environment variable: werf's getDependencyImportID
// (pkg/build/stage/dependencies.go), hashed into the dependencies stage's digest
// after "DependencyImport".
func DependencyImportID(imp config.Import) string {
	return stages.Sha256("Type", string(imp.Type), "TargetEnv", imp.TargetEnv)
}

// werfForm is an import as werf's config holds it (pkg/config/raw_import.go,
// raw_export_base.go): `to` defaults to `add`, and add, to and every glob are
// cleaned. Cleaning twice changes nothing, so a config that already did it
// loses nothing.
func werfForm(imp config.FileImport) config.FileImport {
	if imp.To == "" {
		imp.To = imp.Add
	}
	imp.Add, imp.To = path.Clean(imp.Add), path.Clean(imp.To)
	imp.IncludePaths = cleanAll(imp.IncludePaths)
	imp.ExcludePaths = cleanAll(imp.ExcludePaths)
	return imp
}

func cleanAll(paths []string) []string {
	if paths == nil {
		return nil
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = path.Clean(p)
	}
	return out
}
