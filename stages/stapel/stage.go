package stapel

// Stage is one non-empty stage of a chain: its digest and what the digest was
// made of. Next returns it unresolved; Found or Building resolves it.
type Stage struct {
	Image    string // the werf.yaml image name, "" for the nameless image
	Platform string
	Name     StageName
	Digest   string

	// Args are werf's calculateDigest arguments by werf's names, in order:
	// the digest is the SHA3-224 of their values joined with ":::".
	Args []Input
	// Dependencies are what the StageDependencies argument is made of, by
	// name (nested hashes laid out flat): for explanations, not for hashing.
	Dependencies []Input

	// Set by Found or Building.
	ContentDigest string // the werf-stage-content-digest label
	StageID       string // the stored stage's <digest>-<millis>; "" until Found
	Built         bool   // Building was called for it: the caller builds it

	// What building the stage needs to know besides its labels.
	BaseRef string            // from: the image to start from ("" for scratch)
	Scratch bool              // from: an empty image with labels, no build
	Env     map[string]string // dependencies: the environment of dependency imports
	Imports []Import          // dependencies: what to copy, from where

	chain *Chain
	step  step
}

// Import is one import of a dependencies stage, resolved.
type Import struct {
	Request       ImportRequest
	Checksum      string
	SourceStageID string // as the import-metadata record says
}

// LogName is the stage as werf logs it: "<image>/<stage>", "~" for the
// nameless image.
func (s *Stage) LogName() string {
	img := s.Image
	if img == "" {
		img = "~"
	}
	return img + "/" + string(s.Name)
}
