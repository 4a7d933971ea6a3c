// Package registry keeps stages in container registries the way werf does, so that
// werf and dagwerf can share a repository: a stage is `REPO:<digest>-<unix millis>`,
// found by listing the repository's tags once per run and taking the oldest; a
// new one is published under the stage lock after a fresh re-check; --cache-repo
// repositories serve reads first and are filled after; --secondary-repo hits are
// copied in; final images are copied to --final-repo; multi-platform images get a
// manifest list tagged with the bare digest of their platforms' stages. werf's
// records live beside the stages: managed-image-*, meta-* and custom-tag-meta-*
// for its cleanup, import-metadata-* for the checksums of Stapel imports.
//
// It speaks the distribution protocol with go-containerregistry, registry to
// registry: it never pulls an image to disk and never builds one (the caller
// passes a push function).
package registry
