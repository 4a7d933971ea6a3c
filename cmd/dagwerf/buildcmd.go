package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/engine"
	"github.com/dagwerf/dagwerf/sync/registry"
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
	storage := addStorageFlags(cmd.Flags(), env, os.Environ(), true)
	var customTags []string
	var saveReport, keepGoing, verbose bool
	var reportPath string
	env.prefixListFlag(cmd.Flags(), &customTags, "add-custom-tag", "WERF_ADD_CUSTOM_TAG", os.Environ(), "also tag each selected final image: %image%, %image_slug%, %image_safe_slug%, %image_content_based_tag% (repeatable; $WERF_ADD_CUSTOM_TAG_*)")
	env.boolFlag(cmd.Flags(), &saveReport, "save-build-report", "", "WERF_SAVE_BUILD_REPORT", false, "write the build report ($WERF_SAVE_BUILD_REPORT)")
	env.stringFlag(cmd.Flags(), &reportPath, "build-report-path", "WERF_BUILD_REPORT_PATH", pipeline.DefaultReportPath, "where: .json or .env, by its extension ($WERF_BUILD_REPORT_PATH)")
	env.boolFlag(cmd.Flags(), &keepGoing, "keep-going", "", "DAGWERF_KEEP_GOING", false, "when an image fails, finish every image that does not depend on it instead of cancelling the build ($DAGWERF_KEEP_GOING)")
	env.boolFlag(cmd.Flags(), &verbose, "log-verbose", "", "WERF_LOG_VERBOSE", false, "also show the Dagger engine's own progress output, on stderr ($WERF_LOG_VERBOSE)")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if saveReport {
			if _, _, err := pipeline.ReportFormat(reportPath); err != nil {
				return err
			}
		}
		snap, cfg, err := project.load()
		if err != nil {
			return err
		}
		p, err := plan.plan(cfg, args)
		if err != nil {
			return err
		}
		if len(customTags) > 0 && storage.repo == "" {
			return fmt.Errorf("--add-custom-tag needs --repo")
		}
		out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
		st, err := storage.open(cfg, []registry.Option{
			registry.WithUserAgent("dagwerf/" + version),
			registry.WithWarnings(func(w string) { fmt.Fprintln(errOut, "Warning:", w) }),
		}, errOut)
		if err != nil {
			return err
		}
		defer st.close()
		engineOpts := []engine.Option{engine.WithCredentials(st.storage.Credentials)}
		if verbose {
			engineOpts = append(engineOpts, engine.WithLog(errOut))
		}
		eng := engine.New(engineOpts...)
		defer eng.Close()

		report, err := (&pipeline.Build{
			Config: cfg, Snapshot: snap, Plan: p, Storage: st.storage, Builder: eng,
			CustomTags: customTags, Version: "dagwerf-" + version, Loose: project.loose, Log: out, LogPretty: plan.pretty,
			LookupEnv: env.lookup, KeepGoing: keepGoing,
		}).Run(cmd.Context())
		if err != nil {
			return err
		}
		for _, img := range cfg.Images {
			if rec, ok := report.Images[img.Name]; ok {
				state := "up to date"
				if rec.Rebuilt {
					state = "built"
				}
				fmt.Fprintf(out, "image %s: %s (%s)\n", img.LogName(), rec.DockerImageName, state)
			}
		}
		if saveReport {
			return report.Write(reportPath)
		}
		return nil
	}
	return cmd
}
