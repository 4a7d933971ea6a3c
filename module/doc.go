// Package module builds, releases and deploys a Deckhouse module from its
// werf.yaml, as deckhouse/modules-actions (build, deploy) and its GitLab
// templates do with werf and crane:
//
//   - Build builds werf.yaml into <modules-source>/<module-name>, with
//     MODULES_MODULE_TAG for the templates (the application images, the
//     bundle and the release image);
//   - Release checks what Deckhouse will read from the build, then copies the
//     bundle to <repo>:<tag> and the release image to <repo>/release:<tag>, and
//     writes the registration tag <modules-source>:<module-name>;
//   - Deploy copies <repo>/release:<tag> to a release channel's tag.
//
// Release and Deploy work registry to registry from the build report: nothing
// is pulled to disk, nothing is built, and what is in place already is not
// written again. The command line and the Dagger module only fill these values.
package module
