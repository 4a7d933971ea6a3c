package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/pipeline/runner"
)

var errAgainstNeedsExplain = errors.New("--against names the commit --explain compares with: give --explain too")

func newDigestCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest [IMAGE_NAME...]",
		Short: "Print the stage digest of each image and platform, as werf computes it",
		Long: `Print the content-based stage digest of each image for each of its platforms,
one line each: NAME PLATFORM DIGEST (~ is the nameless image). The digests are
werf's: a repository werf fills holds these stages under <digest>-<timestamp>.
With --stages, each line is followed by the image's stages in build order: its
dockerfile and imageSpec stages, or a staged image's FROM and instruction stages
of every werf image it is built from.

An image whose Dockerfile ARG takes an import of another image (its name, tag, ID
or digest) can be addressed only once that image's stage is stored: digest looks
the dependency up where build stores it (--repo, or the local store without it)
and says so, exiting with an error, when it is not there yet.

With --log-debug, each stage is followed by what its digest is made of, by
name: the arguments werf's calculateDigest hashes and the stage's dependencies
(Dockerfile entries with file and line; a Stapel stage's commands, git
mappings, imports, commits), as werf prints them with WERF_DEBUG_STAGE_DIGEST.

With --explain, each line is followed by what changed since the image's nearest earlier
build: the nearest ancestor commit whose build of it is recorded in --repo (werf's
meta records), or the commit --against names — which Dockerfile instructions,
build args, base image, context files (added, changed, removed, and through which
COPY/ADD), cacheVersion or imageSpec.`,
	}
	project := addProjectFlags(cmd.Flags(), env)
	selection := runner.DefaultPlan
	addSelectionFlags(cmd.Flags(), env, &selection)
	storage := addStorageFlags(cmd.Flags(), env, false)
	asJSON := cmd.Flags().Bool("json", false, "print a JSON array of {image, platform, digest} (or error)")
	stagesFlag := cmd.Flags().Bool("stages", false, "list each image's stages too, in build order: IMAGE STAGE DIGEST, the last stage last")
	var debug bool
	env.boolFlag(cmd.Flags(), &debug, "log-debug", "", "WERF_LOG_DEBUG", false, "list each image's stages with what each digest is made of, by name (what werf shows with WERF_DEBUG_STAGE_DIGEST)")
	explain := cmd.Flags().Bool("explain", false, "say what changed since each image's nearest earlier build (or --against)")
	against := cmd.Flags().String("against", "", "with --explain: the commit (hash, branch or tag) to compare with")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *against != "" && !*explain {
			return errAgainstNeedsExplain
		}
		d := runner.Digest{Project: *project, Plan: selection, Storage: *storage, Images: args, Stages: *stagesFlag, Debug: debug, Explain: *explain, Against: *against}
		lines, err := d.Run(cmd.Context())
		if lines == nil {
			return err
		}
		if werr := runner.WriteDigests(cmd.OutOrStdout(), lines, *asJSON); werr != nil {
			return werr
		}
		return err
	}
	return cmd
}
