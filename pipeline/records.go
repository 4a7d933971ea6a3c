package pipeline

import "github.com/dagwerf/dagwerf/sync/registry"

// recordsPolicy is which of werf's records this build writes, as werf decides:
// managed-image records unless cleanup is disabled; meta records, which link
// images to the commit, only for a commit (not --dev) and only while the
// git-history-based cleanup policy is on.
func (b *Build) recordsPolicy() registry.RecordsPolicy {
	cleanup := b.Config.Meta.Cleanup
	p := registry.RecordsPolicy{ManagedImages: !cleanup.Disable}
	if !b.Snapshot.Dev() && cleanup.GitHistoryRecords() {
		p.Commit = b.Snapshot.Commit()
	}
	return p
}

// stageImageRecords are the werf images a staged Dockerfile's target is built
// from (<image>/stage/<name>), each by its last stage. Such an image of several
// platforms has no manifest list here, so it gets a record per platform's stage.
func stageImageRecords(tasks []*Task, results map[*Task]*taskResult) []registry.ImageRecord {
	var out []registry.ImageRecord
	for _, t := range tasks {
		for _, si := range results[t].staged {
			if si.target || len(si.stages) == 0 {
				continue
			}
			out = append(out, registry.ImageRecord{Image: si.name, StageID: si.stages[len(si.stages)-1].desc.ID.String()})
		}
	}
	return out
}
