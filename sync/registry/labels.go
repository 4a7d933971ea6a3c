package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"

	"github.com/dagwerf/dagwerf/stages"
)

// werf's service labels on a stage image.
const (
	LabelProject       = "werf"
	LabelVersion       = "werf-version"
	LabelContentDigest = "werf-stage-content-digest"
	LabelCommit        = "werf-project-repo-commit"
	// LabelDependencyPrefix + sha256hex(stage ID) = stage ID, one per dependency.
	LabelDependencyPrefix = "werf-dependency-stage-id-"
	// A staged image's stage: the stage before it and that stage's image ID.
	LabelParentStage = "werf.io/parent-stage-id"
	LabelBaseImageID = "werf.io/base-image-id"
)

// StageLabels are the labels werf puts on a non-staged Dockerfile image's stage; werf
// refuses to reuse a stage without the content digest one.
type StageLabels struct {
	Project       string
	Version       string
	ContentDigest string
	Commit        string           // the project's HEAD commit; left out when ""
	Dependencies  []stages.StageID // the stages of the images this one depends on
	// ParentStage and BaseImageID are a staged image's stage's previous stage
	// (its ID, <digest>-<millis>) and that stage's image ID, as werf labels them.
	ParentStage string
	BaseImageID string
	// Own are the stage's own labels besides werf's service labels: a Stapel
	// stage's git commits, imports, mounts and dependencies. The service
	// labels win over them.
	Own map[string]string
}

// Map is the labels as the image carries them.
func (l StageLabels) Map() map[string]string {
	m := make(map[string]string, len(l.Own)+8)
	maps.Copy(m, l.Own)
	m[LabelProject] = l.Project
	m[LabelVersion] = l.Version
	if l.ContentDigest != "" { // else Own carries it (a Stapel stage's)
		m[LabelContentDigest] = l.ContentDigest
	}
	if l.Commit != "" {
		m[LabelCommit] = l.Commit
	}
	if l.ParentStage != "" {
		m[LabelParentStage] = l.ParentStage
	}
	if l.BaseImageID != "" {
		m[LabelBaseImageID] = l.BaseImageID
	}
	for _, id := range l.Dependencies {
		sum := sha256.Sum256([]byte(id.String()))
		m[LabelDependencyPrefix+hex.EncodeToString(sum[:])] = id.String()
	}
	return m
}
