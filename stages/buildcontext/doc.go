// Package buildcontext computes the checksum a COPY or ADD contributes to a stage
// digest, as werf does: the git object hashes of the context's entries that the
// sources and the .dockerignore take, read from the commit's trees (no file
// content is read; git hashed it already), a whole directory counting as its tree
// hash where all of it is taken, submodules by their own checksums, and the
// contextAddFiles from the working tree.
package buildcontext
