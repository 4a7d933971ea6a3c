package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Report is werf's build report: what each image is in the registry after the
// build, with the same fields and names, so that tools reading werf's report read
// dagwerf's.
type Report struct {
	Runtime          ReportRuntime                     `json:"Runtime"`
	Images           map[string]ReportImage            `json:"Images"`
	ImagesByPlatform map[string]map[string]ReportImage `json:"ImagesByPlatform"`
	// Operations and StageCache are werf's: how long each kind of operation
	// took, and how each stage came to be.
	Operations map[string]ReportOperation `json:"Operations,omitempty"`
	StageCache map[string]int             `json:"StageCache,omitempty"`
}

// ReportOperation is one kind of operation of a build, as werf reports it.
type ReportOperation struct {
	Count            int
	TotalTimeSeconds float64
	WallTimeSeconds  float64 // the time they covered together
	AvgTimeSeconds   float64
	MaxTimeSeconds   float64
}

// ReportRuntime says what built the images.
type ReportRuntime struct {
	Backend     string `json:"Backend"`
	InContainer bool   `json:"InContainer"`
}

// ReportImage is one image (for a multi-platform image: its manifest list).
type ReportImage struct {
	WerfImageName     string        `json:"WerfImageName"`
	ConfigType        string        `json:"ConfigType"`
	DockerRepo        string        `json:"DockerRepo"`
	DockerTag         string        `json:"DockerTag"`
	DockerImageID     string        `json:"DockerImageID"`
	DockerImageDigest string        `json:"DockerImageDigest"`
	DockerImageName   string        `json:"DockerImageName"`
	TargetPlatform    string        `json:"TargetPlatform"`
	Rebuilt           bool          `json:"Rebuilt"`
	Final             bool          `json:"Final"`
	Size              int64         `json:"Size"`
	BuildTime         string        `json:"BuildTime"`
	Commit            string        `json:"Commit"`
	Stages            []ReportStage `json:"Stages"`
	// Reason is dagwerf's: why a rebuilt image was rebuilt, what changed since
	// the nearest earlier build of it (werf's report has no such field).
	Reason string `json:"Reason,omitempty"`

	// ManifestListWritten: this run wrote the image's manifest list, which werf's
	// report does not tell; a run that built no stage still published the image.
	ManifestListWritten bool `json:"-"`
}

// ReportStage is one stage of an image.
type ReportStage struct {
	Name              string `json:"Name"`
	DockerImageName   string `json:"DockerImageName"`
	DockerTag         string `json:"DockerTag"`
	DockerImageID     string `json:"DockerImageID"`
	DockerImageDigest string `json:"DockerImageDigest"`
	CreatedAt         int64  `json:"CreatedAt"` // Unix seconds as nanoseconds; 0 when unknown
	Size              int64  `json:"Size"`
	SourceType        string `json:"SourceType"`
	BaseImagePulled   bool   `json:"BaseImagePulled"`
	Rebuilt           bool   `json:"Rebuilt"`
	BuildTime         string `json:"BuildTime"`
	Commit            string `json:"Commit"`
}

// DefaultReportPath is werf's --build-report-path default.
const DefaultReportPath = ".werf-build-report.json"

// ReportFormat is how a report is written, from its path's extension as werf
// decides: .json, .env, or none (then .json is added).
func ReportFormat(path string) (string, string, error) {
	switch ext := filepath.Ext(path); ext {
	case ".json", ".env":
		return path, ext, nil
	case "":
		return path + ".json", ".json", nil
	default:
		return "", "", fmt.Errorf("--build-report-path %q: the extension must be .json or .env (or none, for .json)", path)
	}
}

// Marshal is the report as werf writes it: JSON indented with tabs and a final
// newline, or an envfile.
func (r *Report) Marshal(format string) ([]byte, error) {
	if format == ".env" {
		return r.envfile(), nil
	}
	data, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Write saves the report at path (mode 0644, as werf).
func (r *Report) Write(path string) error {
	path, format, err := ReportFormat(path)
	if err != nil {
		return err
	}
	data, err := r.Marshal(format)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write the build report: %w", err)
	}
	return nil
}

// envfile is one block of WERF_<IMAGE>_* variables per image, by image name.
func (r *Report) envfile() []byte {
	names := make([]string, 0, len(r.Images))
	for n := range r.Images {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		img := r.Images[n]
		prefix := EnvPrefix(n)
		fmt.Fprintf(&b, "%sDOCKER_IMAGE_NAME=%s\n", prefix, img.DockerImageName)
		fmt.Fprintf(&b, "%sDOCKER_IMAGE_ID=%s\n", prefix, img.DockerImageID)
		fmt.Fprintf(&b, "%sDOCKER_IMAGE_DIGEST=%s\n", prefix, img.DockerImageDigest)
		fmt.Fprintf(&b, "%sDOCKER_REPO=%s\n", prefix, img.DockerRepo)
		fmt.Fprintf(&b, "%sDOCKER_TAG=%s\n", prefix, img.DockerTag)
		fmt.Fprintf(&b, "%sWERF_IMAGE_NAME=%s\n", prefix, img.WerfImageName)
		fmt.Fprintf(&b, "%sFINAL=%t\n", prefix, img.Final)
	}
	return b.Bytes()
}

// EnvPrefix is werf's variable prefix of an image: WERF_<NAME>_ upper-cased with
// / - . as _, or WERF_ for the nameless image.
func EnvPrefix(image string) string {
	if image == "" {
		return "WERF_"
	}
	return "WERF_" + strings.ToUpper(strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(image)) + "_"
}

// stageName is werf's name of a stage in the record of a multi-platform image:
// with its platform.
func stageName(name, platform string) string { return name + " (" + platform + ")" }

// createdAt is a stage's creation time as werf reports it: its Unix seconds, in
// nanoseconds. An image config without a creation time (the zero time) or with
// one that nanoseconds cannot hold gives 0, not an overflowed number; the field
// stays, as werf always writes it.
func createdAt(t time.Time) int64 {
	s := t.Unix()
	if t.IsZero() || s > math.MaxInt64/int64(time.Second) || s < math.MinInt64/int64(time.Second) {
		return 0
	}
	return s * int64(time.Second)
}
