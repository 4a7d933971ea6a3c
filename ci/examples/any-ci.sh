#!/usr/bin/env sh
# Build the images of werf.yaml with dagwerf's Dagger module from any CI
# (Jenkins, Buildkite, TeamCity, a cron job…) or from a laptop: the same command
# gives the same tags, and whatever an earlier run published is not rebuilt.
#
# Needs Docker (or a Dagger engine in _EXPERIMENTAL_DAGGER_RUNNER_HOST) and:
#   REPO               stages repository, e.g. registry.example.com/app/stages
#   REGISTRY_USER      a user of REPO's registry
#   REGISTRY_PASSWORD  its password or token (read as a secret, never printed)
# and optionally FINAL_REPO, CACHE_REPO, BRANCH.
set -eu

: "${REPO:?set REPO to the stages repository}"
: "${REGISTRY_USER:?set REGISTRY_USER}"
: "${REGISTRY_PASSWORD:?set REGISTRY_PASSWORD}"
DAGGER_VERSION=0.21.8

if ! command -v dagger >/dev/null 2>&1 || ! dagger version | grep -q "v$DAGGER_VERSION"; then
  mkdir -p "$HOME/.local/bin"
  curl -fsSL https://dl.dagger.io/dagger/install.sh | DAGGER_VERSION=$DAGGER_VERSION BIN_DIR="$HOME/.local/bin" sh
  PATH="$HOME/.local/bin:$PATH"
fi

set -- build --source=. --repo="$REPO" --username="$REGISTRY_USER" --password=env://REGISTRY_PASSWORD
[ -n "${FINAL_REPO:-}" ] && set -- "$@" --final-repo="$FINAL_REPO"
[ -n "${CACHE_REPO:-}" ] && set -- "$@" --cache-repo="$CACHE_REPO"
[ -n "${BRANCH:-}" ] && set -- "$@" --add-custom-tag="%image%-$(printf %s "$BRANCH" | tr -c 'A-Za-z0-9_.-' '-')"

dagger call -m github.com/dagwerf/dagwerf "$@" export --path=werf-build-report.json
