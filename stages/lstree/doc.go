// Package lstree is werf's ls-tree (pkg/true_git/ls_tree in werf v2.77.1):
// which entries of a commit's git tree a path scope and a path matcher take,
// and the checksum werf makes of them.
//
// The walk starts at the scope's own entry, found as werf's
// processSpecificEntryFilepath finds it: through the submodules on its way,
// never through a symlink. A directory (or submodule) the matcher wants to
// enter is walked entry by entry; one it takes whole counts as its tree (or
// commit) hash unless Options.AllFiles asks for its files; a file counts when
// taken. Submodules are entered at the commit their gitlink names, and what is
// taken in them is their own Result. No file content is read: git hashed it.
//
// Users: stages/buildcontext (the checksum of a COPY/ADD's sources, werf's
// calculateFilesChecksumWithGit, the hot path of a Dockerfile digest) and
// stages/stapel/gitmap (a Stapel git mapping's stageDependencies checksums,
// archive file list, emptiness and path scope entry).
package lstree
