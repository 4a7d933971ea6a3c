// Package pipeline turns a configuration into a build: it selects images, expands
// them per target platform, groups them into sets that run one after another
// (the plan), and drives each image through digest, lookup, build and publish.
//
// It must not parse werf.yaml (package config does) nor speak a registry protocol
// itself (sync/registry does).
package pipeline
