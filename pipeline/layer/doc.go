// Package layer makes the files a Stapel stage adds or removes as one OCI layer,
// without an engine: what werf v2's Buildah backend does to the stage
// container's filesystem (pkg/container_backend/buildah_backend.go
// BuildStapelStage: applyDependenciesImports, applyDataArchives,
// applyRemoveData), reproduced as tar entries and whiteouts over the previous
// stage's image.
//
// werf runs those steps on a mounted container with the host's syscalls. A
// Builder runs the same steps, one werf function after another, on an
// in-memory filesystem: the previous stage's image as its layers leave it
// (metadata only, read once), with the stage's changes copied on write. The
// layer is the difference: every entry the steps made or changed, the parent
// directories of each, and a whiteout for each path they removed. Applied to the
// previous stage, it gives the filesystem werf's stage has: paths, kinds, modes,
// owners, symlink targets and contents, werf's quirks included (see the
// functions' comments). Modification times are not werf's: werf's are the time
// of the build; a Builder's are fixed, so that the same stage makes the same
// layer.
//
// The package reads git objects (through package stages/stapel/gitmap) and
// image layers; it writes only temporary files (the layer and the contents it
// holds), and never a registry.
package layer
