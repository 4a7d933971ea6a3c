// Package source gives the project's files as a build sees them: the tree of the
// git HEAD commit (werf's giterminism), or, in --dev mode, the working tree taken as
// a virtual commit whose blobs and trees are hashed exactly as `git add -A` would
// hash them, so that the same content yields the same object hashes either way.
//
// It reads git objects and the working tree; it never writes to the repository
// (except FetchOrigin, which updates origin's branches and tags before a cleanup
// reads them) and knows nothing of werf.yaml or Dockerfiles. History reads the
// references and commits the cleanup scans.
package source
