package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// planFlags choose what a build covers and how it runs, and how it is printed.
type planFlags struct {
	runner.Plan
	pretty bool
}

func addPlanFlags(fs *pflag.FlagSet, env *environment) *planFlags {
	f := &planFlags{Plan: runner.DefaultPlan}
	addSelectionFlags(fs, env, &f.Plan)
	env.boolFlag(fs, &f.Parallel, "parallel", "p", "WERF_PARALLEL", runner.DefaultPlan.Parallel, "build the images of a set concurrently ($WERF_PARALLEL)")
	env.intFlag(fs, &f.Limit, "parallel-tasks-limit", "WERF_PARALLEL_TASKS_LIMIT", runner.DefaultPlan.Limit, "at most this many images at once; 0 or less is no limit ($WERF_PARALLEL_TASKS_LIMIT)")
	env.boolFlag(fs, &f.pretty, "log-pretty", "", "WERF_LOG_PRETTY", true, "decorate image names in logs ($WERF_LOG_PRETTY)")
	return f
}

// addSelectionFlags defines the flags that choose which images and platforms a
// command covers: all that `digest` takes of a plan.
func addSelectionFlags(fs *pflag.FlagSet, env *environment, p *runner.Plan) {
	env.listFlag(fs, &p.Platforms, "platform", []string{"WERF_PLATFORM", "DOCKER_DEFAULT_PLATFORM"}, "build every image for these platforms (os/arch[/variant], repeatable or comma-separated), overriding werf.yaml (default $WERF_PLATFORM or $DOCKER_DEFAULT_PLATFORM)")
	env.boolFlag(fs, &p.FinalOnly, "final-images-only", "", "WERF_FINAL_IMAGES_ONLY", false, "leave out non-final images that no selected image depends on ($WERF_FINAL_IMAGES_ONLY)")
}

func newPlanCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan [IMAGE_NAME...]",
		Short: "Print the build plan: the sets of images a build runs, in order",
		Long: `Print the build plan in werf's format: sets of images, each depending only on
earlier sets, every image once per target platform. Image names may be globs;
!NAME excludes. A selected image brings the images it depends on.

Platforms: --platform, else the image's platform, else build.platform in
werf.yaml, else the host's (linux/<arch>).`,
	}
	project := addProjectFlags(cmd.Flags(), env)
	flags := addPlanFlags(cmd.Flags(), env)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		_, cfg, err := project.Load()
		if err != nil {
			return err
		}
		plan, err := flags.Make(cfg, args)
		if err != nil {
			return err
		}
		return plan.Print(cmd.OutOrStdout(), flags.pretty)
	}
	return cmd
}
