package main

import (
	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

func newBuildCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build [IMAGE_NAME...]",
		Short: "Build the images of werf.yaml on the Dagger engine, publishing what the registry lacks",
		Long: `Build the images of werf.yaml: every image and platform is addressed by its
content (werf's stage digest), looked up in --repo, and built on the Dagger engine
and published as REPO:<digest>-<millis> only when missing. Then multi-platform
images get their manifest lists, final images their --final-repo copies and
custom tags, and the build report is written.

The build context is the committed tree of each image's context (the working tree
with --dev): what the digest hashed. Inside 'dagger run' the build joins that
session; otherwise the Dagger CLI starts an engine, at the first image to build.

Without --repo, stages go to a local store under $DAGWERF_HOME/stages (default
~/.dagwerf/stages) that persists between runs, so a second build rebuilds nothing;
the engine must then reach the host's 127.0.0.1 (an engine on the host does).`,
	}
	project := addProjectFlags(cmd.Flags(), env)
	plan := addPlanFlags(cmd.Flags(), env)
	storage := addStorageFlags(cmd.Flags(), env, true)
	b := &runner.Build{}
	var saveReport, verbose bool
	var reportPath string
	env.prefixListFlag(cmd.Flags(), &b.CustomTags, "add-custom-tag", "WERF_ADD_CUSTOM_TAG", "also tag each selected final image: %image%, %image_slug%, %image_safe_slug%, %image_content_based_tag% (repeatable; $WERF_ADD_CUSTOM_TAG_*)")
	env.boolFlag(cmd.Flags(), &saveReport, "save-build-report", "", "WERF_SAVE_BUILD_REPORT", false, "write the build report ($WERF_SAVE_BUILD_REPORT)")
	env.stringFlag(cmd.Flags(), &reportPath, "build-report-path", "WERF_BUILD_REPORT_PATH", pipeline.DefaultReportPath, "where: .json or .env, by its extension ($WERF_BUILD_REPORT_PATH)")
	env.boolFlag(cmd.Flags(), &b.KeepGoing, "keep-going", "", "DAGWERF_KEEP_GOING", false, "when an image fails, finish every image that does not depend on it instead of cancelling the build ($DAGWERF_KEEP_GOING)")
	env.boolFlag(cmd.Flags(), &verbose, "log-verbose", "", "WERF_LOG_VERBOSE", false, "also show the Dagger engine's own progress output, on stderr ($WERF_LOG_VERBOSE)")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		b.Project, b.Plan, b.Storage, b.Pretty = *project, plan.Plan, *storage, plan.pretty
		b.Images, b.Version = args, version
		b.Out, b.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
		if saveReport {
			b.ReportPath = reportPath
		}
		if verbose {
			b.EngineLog = cmd.ErrOrStderr()
		}
		_, err := b.Run(cmd.Context())
		return err
	}
	return cmd
}
