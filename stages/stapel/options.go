package stapel

import (
	"context"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages/stapel/gitmap"
)

// Options are what a Chain takes from outside the image's own config.
type Options struct {
	// Platform is the target platform, normalized ("linux/amd64"); every
	// digest but linux/amd64's includes it.
	Platform string

	// Git are the image's git mappings, opened by gitmap.Open from the image's
	// Stapel.Git, one for each. werf takes the local mappings first, then the
	// remote ones; the Chain orders them so itself.
	Git []*gitmap.Mapping

	// Images answers for the other images of the config: fromImage,
	// imports and dependencies. Needed when the image has any of them.
	Images Images

	// ImportChecksums gives each import's checksum. Needed when the image
	// has imports.
	ImportChecksums ImportChecksums

	// BaseImageID is the ID of a registry base image as the registry holds
	// it now, which werf's `fromLatest` hashes into the from stage
	// (GetRepoImage(ref).ID): for an image manifest its config digest, for an
	// index (a multi-platform image) the index's own digest, whatever the
	// platform. Needed only with fromLatest.
	BaseImageID func(ctx context.Context, ref string) (string, error)

	// BaseImageLabels are the labels of a registry base image. werf merges the
	// werf-mount-type-* labels it finds there into the from stage's labels;
	// only images werf built with mounts carry them. Optional: nil reads
	// none.
	BaseImageLabels func(ctx context.Context, ref string) (map[string]string, error)

	// SkipImageSpec drops the imageSpec stage (--skip-image-spec-stage).
	SkipImageSpec bool

	// DisableGitCommitAncestryCheck makes Select take a git stage whose
	// commits exist in the repository even when they are not ancestors of the
	// current ones (WERF_DISABLE_GIT_COMMIT_ANCESTRY_CHECK).
	DisableGitCommitAncestryCheck bool
}

// Images answers for the other images of the config, on the chain's platform.
// Their stages must have been found or built before: werf builds an image's
// fromImage, import sources and dependencies first (config.Image.DependsOn).
type Images interface {
	// LastStage is the last non-empty stage of an image: a fromImage base
	// (its ContentDigest enters the from stage's digest), an import source,
	// or a dependency (its Name enters the dependencies stage's digest).
	LastStage(ctx context.Context, image, platform string) (StageRef, error)
	// Stage is a named stage of a Stapel image, for `import: stage:`.
	Stage(ctx context.Context, image string, stage StageName, platform string) (StageRef, error)
}

// StageRef is a stage of another image as this build found or built it.
type StageRef struct {
	Name          string // <repo>:<digest>-<millis>: werf's ImageName
	ID            string // the image config's digest, sha256:…: ImageID
	Digest        string // the manifest's digest, sha256:…: ImageDigest
	StageID       string // <digest>-<millis>
	ContentDigest string // its werf-stage-content-digest label
	Labels        map[string]string
}

// ImportChecksums gives werf's checksum of the files an import copies. werf
// keeps it in an `import-metadata-<SourceID>` record of the stages storage and
// reuses the recorded value whenever it exists, so the checksum is a lookup
// first and a computation over the source image only when the record is
// missing (package stages/importsum).
type ImportChecksums interface {
	Checksum(ctx context.Context, req ImportRequest) (ImportChecksum, error)
}

// ImportRequest is one import whose checksum a dependencies stage needs.
type ImportRequest struct {
	Platform string
	Import   config.FileImport
	// SourceID names the import-metadata record: ImportSourceID of the
	// source's content digest and the import's paths.
	SourceID string
	// Source is the source stage; zero for an external image.
	Source StageRef
	// SourceImage is the image to read the files from: Source.Name, or the
	// external reference.
	SourceImage string
	// SourceStageID is what a new record says the files came from:
	// Source.StageID, or "external-image:<reference>".
	SourceStageID string
}

// ImportChecksum is an import's checksum as recorded, with the source stage
// the record names (which may be an older stage of the same content).
type ImportChecksum struct {
	Checksum      string
	SourceStageID string
}
