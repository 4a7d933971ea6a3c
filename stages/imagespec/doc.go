// Package imagespec is werf v2's imageSpec stage, computed without an engine or a
// registry: the stage's digest (Digest), and the image config werf gives the
// stage (Apply), which is the previous stage's image with only its config
// replaced — werf builds nothing for it, it mutates the manifest's config.
//
// The stage follows the one stage of a non-staged Dockerfile image whose
// werf.yaml sets imageSpec (or, for a final image, build.imageSpec). werf v2.77.1
// gives staged Dockerfile images no imageSpec stage at all: it ignores their
// imageSpec. See /work/shared-notes/imagespec-facts.md for the rules and sources.
package imagespec
