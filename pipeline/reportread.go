package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// ReadReport reads a JSON build report, as dagwerf or werf wrote it (werf's
// --save-build-report; the Deckhouse module actions' images_tags_werf.json).
// An envfile report is refused: it loses image names.
func ReadReport(path string) (*Report, error) {
	if _, format, err := ReportFormat(path); err == nil && format == ".env" {
		return nil, fmt.Errorf("build report %s: an envfile report names images only in upper case; save the report as JSON (--build-report-path with .json)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	var r Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("build report %s: not a werf build report: %w", path, err)
	}
	if r.Images == nil {
		return nil, fmt.Errorf("build report %s: not a werf build report: it has no \"Images\"", path)
	}
	return &r, nil
}
