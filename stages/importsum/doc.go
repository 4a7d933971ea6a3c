// Package importsum computes what werf v2 hashes for a Stapel `import` (files
// copied from another image's stage into this one): the import checksum that
// goes into the dependencies stages' digests and labels, and the IDs that name
// an import in labels (werf-import-checksum-<id>) and in the import-metadata
// record of the stages storage.
//
// werf computes the checksum on the source stage's root filesystem, mounted by
// Buildah (pkg/container_backend/buildah_backend.go,
// calculateDependencyImportChecksum). dagwerf has no container to mount: it
// reads the stage's image as the registry stores it, layer after layer, applies
// the OCI whiteouts itself, and hashes the same files the same way. File
// contents are streamed through MD5, never held.
//
// The checksum werf uses is the one its import-metadata-<SourceID> record holds,
// whoever wrote it: werf computes one only when the record is missing (and
// writes it). So does dagwerf: SourceID names the record (package
// sync/registry reads and writes it), and Checksum is for when there is none.
// werf's legacy Docker-server path (generateChecksumScript: rsync dry run and
// md5sum in the stapel container) computes differently: a symlink is hashed as
// "symlink:<target>", paths are the files' real paths, rsync's filters decide
// what is taken. A record it wrote pins its value, which dagwerf then uses too.
//
// It computes; the caller hands it the image (usually a remote one).
package importsum
