// Package cleanup decides, as werf v2's `werf cleanup` does (pkg/cleaning), which
// stages and records of a repository are still needed and deletes the rest:
//
//   - the git-history-based policy: the meta records link each image's stages to
//     commits; the branches of origin and the tags that werf.yaml's
//     cleanup.keepPolicies (or werf's defaults) select are scanned back through
//     their history, and the stages they reach, as many per reference as the
//     policy keeps, are kept;
//   - stages built within the last keepImagesBuiltWithinLastNHours hours;
//   - stages that running Kubernetes workloads use (by tag, or by a custom tag);
//   - everything a kept stage needs: its parent stages, a manifest list's
//     images, the stages it imports from or depends on;
//   - then the records of what is gone: meta records that no longer count,
//     custom tags of deleted stages, import records.
//
// It reads git through package source and the registry through
// sync/registry; it never deletes anything it has not first printed with the
// reason it is not kept, and with DryRun it deletes nothing.
package cleanup
