package cleanup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Report is what a cleanup kept and deleted (or, in a dry run, would delete),
// with the reasons; its items are in the order they were decided.
type Report struct {
	DryRun  bool
	Kept    []Item
	Deleted []Item // deleted, or to be deleted in a dry run
	Failed  []Item // decided to delete, but the registry did not
}

// Item is one tag of one repository.
type Item struct {
	Repo   string
	Tag    string
	Type   ItemType
	Reason string // why it is kept, or why nothing keeps it

	// A meta record's image (ImageName; ID when no image has its hash),
	// stage and commit, as werf's cleanup report gives them.
	ImageName, ID, StageID, Commit string
}

// ItemType is what a tag is, in the words of werf's cleanup report
// (pkg/cleanup_report); cacheStage and customTagMetadata are dagwerf's.
type ItemType string

const (
	TypeStage         ItemType = "stage"
	TypeFinalStage    ItemType = "finalStage"
	TypeCacheStage    ItemType = "cacheStage"
	TypeRejectedStage ItemType = "rejectedStage"
	TypeRejectedMark  ItemType = "rejectedStageMarker"
	TypeMeta          ItemType = "imageMetadata"
	TypeManagedImage  ItemType = "managedImage"
	TypeCustomTag     ItemType = "customTag"
	TypeCustomTagMeta ItemType = "customTagMetadata"
	TypeImportMeta    ItemType = "importMetadata"
)

// DeletedTags are the tags deleted (or to be deleted) from repo.
func (r *Report) DeletedTags(repo string) []string {
	var out []string
	for _, it := range r.Deleted {
		if it.Repo == repo {
			out = append(out, it.Tag)
		}
	}
	return out
}

// KeptStages are the stage tags kept, with the reason each is kept.
func (r *Report) KeptStages() map[string]string {
	out := map[string]string{}
	for _, it := range r.Kept {
		if it.Type == TypeStage {
			out[it.Tag] = it.Reason
		}
	}
	return out
}

// werfReport is werf's cleanup report (--save-cleanup-report).
type werfReport struct {
	Command   string     `json:"command"`
	DryRun    bool       `json:"dryRun"`
	Repo      string     `json:"repo"`
	FinalRepo string     `json:"finalRepo,omitempty"`
	Kept      []werfItem `json:"kept"`
	Deleted   []werfItem `json:"deleted"`
}

type werfItem struct {
	Type      ItemType `json:"type"`
	Tag       string   `json:"tag,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	ImageName string   `json:"imageName,omitempty"`
	StageID   string   `json:"stageID,omitempty"`
	Commit    string   `json:"commit,omitempty"`
	ID        string   `json:"id,omitempty"`
	Repo      string   `json:"repo,omitempty"` // dagwerf's: a --cache-repo's or the --final-repo's items
}

// Save writes the report as werf's cleanup report (JSON, tab-indented) to
// path, through a file beside it renamed into place.
func (r *Report) Save(path, command, repo, finalRepo string) error {
	out := werfReport{Command: command, DryRun: r.DryRun, Repo: repo, FinalRepo: finalRepo, Kept: []werfItem{}, Deleted: []werfItem{}}
	conv := func(it Item) werfItem {
		w := werfItem{Type: it.Type, Tag: it.Tag, ImageName: it.ImageName, StageID: it.StageID, Commit: it.Commit, ID: it.ID}
		if it.Type == TypeStage || it.Type == TypeFinalStage {
			w.Reason = it.Reason
		}
		if it.Type == TypeMeta || it.Type == TypeManagedImage || it.Type == TypeImportMeta {
			w.Tag = "" // werf names records by their fields, not their tags
			if it.Type == TypeImportMeta {
				w.ID = strings.TrimPrefix(it.Tag, "import-metadata-")
			}
			if it.Type == TypeManagedImage {
				w.ImageName = it.ImageName
			}
		}
		if it.Repo != repo {
			w.Repo = it.Repo
		}
		return w
	}
	for _, it := range r.Kept {
		out.Kept = append(out.Kept, conv(it))
	}
	for _, it := range r.Deleted {
		out.Deleted = append(out.Deleted, conv(it))
	}
	data, err := json.MarshalIndent(out, "", "\t")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp")
	if err != nil {
		return fmt.Errorf("cleanup report %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("cleanup report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cleanup report %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("cleanup report %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}
