// Package source gives the project's files as a build sees them: the tree of the
// git HEAD commit (werf's giterminism), or, in --dev mode, the working tree taken as
// a virtual commit whose blobs and trees are hashed exactly as `git add -A` would
// hash them, so that the same content yields the same object hashes either way.
//
// It reads git objects and the working tree; it never writes to the repository and
// knows nothing of werf.yaml or Dockerfiles.
package source
