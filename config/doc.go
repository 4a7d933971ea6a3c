// Package config reads werf.yaml the way werf v2 does: it finds the file, renders it
// as a Go template from the git HEAD commit (or the working tree under --dev, or the
// disk with --loose-giterminism), splits it into documents, parses each strictly and
// validates the images together. Its result, Config, is what every later step reads.
//
// It must not compute digests, plan builds or talk to registries.
package config
