package cleanup

import (
	"fmt"
	"io"
)

// printPlan prints every decision: the keep policies and the references they
// keep, each stage kept and why, and each tag to delete and why nothing
// keeps it.
func printPlan(w io.Writer, pl *plan, p policies, dryRun bool) {
	mode := ""
	if dryRun {
		mode = " (dry run: nothing is deleted)"
	}
	fmt.Fprintf(w, "Cleanup of %s%s\n", pl.repo, mode)
	if !p.cleanup.Disable && !p.cleanup.DisableGitHistoryBasedPolicy {
		fmt.Fprintln(w, "Keep policies:")
		for _, kp := range keepPolicies(p.cleanup.KeepPolicies) {
			fmt.Fprintf(w, "  %s\n", kp)
		}
		fmt.Fprintf(w, "References they keep (%d):\n", len(pl.refs))
		if len(pl.refs) > 0 {
			fmt.Fprintln(w, refsText(pl.refs))
		}
	}
	del := pl.all()
	stages := 0
	for _, it := range pl.kept {
		if it.Type == TypeStage {
			stages++
		}
	}
	fmt.Fprintf(w, "Stages: %d kept, %d to delete\n", stages, len(pl.deleteStages))
	for _, it := range pl.kept {
		fmt.Fprintf(w, "  keep   %s  (%s)\n", qualified(pl.repo, it), it.Reason)
	}
	verb := "delete"
	if dryRun {
		verb = "would delete"
	}
	fmt.Fprintf(w, "To delete: %d tags\n", len(del))
	for _, it := range del {
		fmt.Fprintf(w, "  %s %s %s  (%s)\n", verb, typeWords[it.Type], qualified(pl.repo, it), it.Reason)
	}
}

// typeWords say what an item is, in the output.
var typeWords = map[ItemType]string{
	TypeStage: "stage", TypeFinalStage: "final stage", TypeCacheStage: "cache stage",
	TypeRejectedStage: "rejected stage", TypeRejectedMark: "rejected marker", TypeMeta: "meta record",
	TypeManagedImage: "managed-image record", TypeCustomTag: "custom tag", TypeCustomTagMeta: "custom tag record",
	TypeImportMeta: "import record",
}

// qualified names a tag; one of --repo by its tag alone.
func qualified(repo string, it Item) string {
	if it.Repo == repo {
		return it.Tag
	}
	return it.Repo + ":" + it.Tag
}
