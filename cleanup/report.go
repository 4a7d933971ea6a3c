package cleanup

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
}

// ItemType is what a tag is, in the words of werf's cleanup report.
type ItemType string

const (
	TypeStage         ItemType = "stage"
	TypeFinalStage    ItemType = "final-stage"
	TypeCacheStage    ItemType = "cache-stage"
	TypeRejectedStage ItemType = "rejected-stage"
	TypeRejectedMark  ItemType = "rejected-stage-marker"
	TypeMeta          ItemType = "image-metadata"
	TypeManagedImage  ItemType = "managed-image"
	TypeCustomTag     ItemType = "custom-tag"
	TypeCustomTagMeta ItemType = "custom-tag-metadata"
	TypeImportMeta    ItemType = "import-metadata"
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
