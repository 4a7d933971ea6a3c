package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/cleanup"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

func newCleanupCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Delete from --repo the stages and records that no kept git reference, recent build or running workload needs",
		Long: `Clean up --repo as werf's cleanup does, so that werf and dagwerf make the same
decisions about a repository they share:

- the git-history-based policy: the branches of origin and the tags that
  werf.yaml's cleanup.keepPolicies select (werf's defaults without them) keep
  the stages their history's meta records link them to, as many per reference
  as imagesPerReference says;
- stages built within the last keepImagesBuiltWithinLastNHours hours (2);
- stages running Kubernetes workloads use, by tag or custom tag (every context
  of the kubeconfig, or --kube-context; --without-kube to go without);
- whatever a kept stage needs: parent stages, a manifest list's images, import
  and dependency sources.

Everything else goes: stages (also from --cache-repo and --final-repo), their
custom tags, and the records of what is gone. Every decision is printed with
its reason; --dry-run prints them and deletes nothing. origin's branches and
tags are fetched first, as werf does (gitWorktree.allowFetchOriginBranchesAndTags);
a shallow clone is refused.`,
		Args: cobra.NoArgs,
	}
	project := addProjectFlags(cmd.Flags(), env)
	storage := addStorageFlags(cmd.Flags(), env, true)
	c := &runner.Cleanup{}
	var keepHours int
	fs := cmd.Flags()
	env.boolFlag(fs, &c.DryRun, "dry-run", "", "WERF_DRY_RUN", false, "print what would be deleted, and why, without deleting ($WERF_DRY_RUN)")
	env.intFlag(fs, &c.Parallel, "parallel-tasks-limit", "WERF_PARALLEL_TASKS_LIMIT", cleanup.DefaultParallel, "registry requests at once ($WERF_PARALLEL_TASKS_LIMIT)")
	env.intFlag(fs, &keepHours, "keep-stages-built-within-last-n-hours", "WERF_KEEP_STAGES_BUILT_WITHIN_LAST_N_HOURS", cleanup.DefaultKeepHours, "keep stages built within the last hours; 0 turns the policy off (default $WERF_KEEP_STAGES_BUILT_WITHIN_LAST_N_HOURS, else werf.yaml's cleanup.keepImagesBuiltWithinLastNHours, else 2)")
	env.stringFlag(fs, &c.KeepListPath, "keep-list", "WERF_KEEP_LIST", "", "a file of tags to keep whatever else, one a line ($WERF_KEEP_LIST)")
	var saveReport bool
	var reportPath string
	env.boolFlag(fs, &saveReport, "save-cleanup-report", "", "WERF_SAVE_CLEANUP_REPORT", false, "write werf's cleanup report: what was kept and deleted, and why ($WERF_SAVE_CLEANUP_REPORT)")
	env.stringFlag(fs, &reportPath, "cleanup-report-path", "WERF_CLEANUP_REPORT_PATH", "", "where: a .json file (default $WERF_CLEANUP_REPORT_PATH or "+runner.DefaultCleanupReportPath+")")
	addKubeFlags(fs, env, c)

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c.Project, c.Storage, c.Version = *project, *storage, version
		c.Out, c.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
		if saveReport {
			p, err := runner.CleanupReportPath(reportPath)
			if err != nil {
				return err
			}
			c.ReportPath = p
		}
		if _, fromEnv := env.value("WERF_KEEP_STAGES_BUILT_WITHIN_LAST_N_HOURS"); fromEnv || cmd.Flags().Changed("keep-stages-built-within-last-n-hours") {
			if keepHours < 0 {
				return fmt.Errorf("--keep-stages-built-within-last-n-hours %d: cannot be negative", keepHours)
			}
			c.KeepHours = &keepHours
		}
		_, err := c.Run(cmd.Context())
		return err
	}
	return cmd
}

// addKubeFlags defines werf's cleanup flags for the Kubernetes-based policy.
func addKubeFlags(fs *pflag.FlagSet, env *environment, c *runner.Cleanup) {
	env.boolFlag(fs, &c.WithoutKube, "without-kube", "", "WERF_WITHOUT_KUBE", false, "clean up without the Kubernetes-based policy: images running workloads use are not asked for ($WERF_WITHOUT_KUBE)")
	env.stringFlag(fs, &c.Kube.Context, "kube-context", "WERF_SCAN_CONTEXT_ONLY", "", "read only this context of the kubeconfig; every context otherwise ($WERF_SCAN_CONTEXT_ONLY)")
	env.stringFlag(fs, &c.Kube.Context, "scan-context-only", "WERF_SCAN_CONTEXT_ONLY", "", "the same as --kube-context ($WERF_SCAN_CONTEXT_ONLY)")
	env.stringFlag(fs, &c.Kube.ConfigPath, "kube-config", "WERF_KUBE_CONFIG", firstEnv(env, "WERF_KUBE_CONFIG", "WERF_KUBECONFIG", "KUBECONFIG"), "kubeconfig file ($WERF_KUBE_CONFIG, $WERF_KUBECONFIG or $KUBECONFIG; else ~/.kube/config, else the service account of the pod it runs in)")
	env.stringFlag(fs, &c.Kube.ConfigBase64, "kube-config-base64", "WERF_KUBE_CONFIG_BASE64", firstEnv(env, "WERF_KUBE_CONFIG_BASE64", "WERF_KUBECONFIG_BASE64", "KUBECONFIG_BASE64"), "kubeconfig as base64 ($WERF_KUBE_CONFIG_BASE64, $WERF_KUBECONFIG_BASE64 or $KUBECONFIG_BASE64)")
	env.listFlag(fs, &c.Kube.Namespaces, "kube-scan-namespaces", []string{"WERF_KUBE_SCAN_NAMESPACES"}, "read only these namespaces of each context (repeatable; $WERF_KUBE_SCAN_NAMESPACES)")
}

// firstEnv is the first of the variables that is set, "" when none is.
func firstEnv(env *environment, names ...string) string {
	for _, n := range names {
		if v, ok := env.value(n); ok {
			return v
		}
	}
	return ""
}

func newPurgeCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Delete every stage and record of the project from --repo (needs --force)",
		Long: `Delete every stage and record of the project from --repo, and its copies in
--cache-repo and --final-repo, as werf's purge does: whatever uses them. It asks
for --force; --dry-run prints what it would delete.`,
		Args: cobra.NoArgs,
	}
	project := addProjectFlags(cmd.Flags(), env)
	storage := addStorageFlags(cmd.Flags(), env, true)
	p := &runner.Purge{}
	fs := cmd.Flags()
	env.boolFlag(fs, &p.DryRun, "dry-run", "", "WERF_DRY_RUN", false, "print what would be deleted without deleting ($WERF_DRY_RUN)")
	fs.BoolVar(&p.Force, "force", false, "confirm: delete every stage and record of the project")
	env.intFlag(fs, &p.Parallel, "parallel-tasks-limit", "WERF_PARALLEL_TASKS_LIMIT", cleanup.DefaultParallel, "registry requests at once ($WERF_PARALLEL_TASKS_LIMIT)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		p.Project, p.Storage, p.Version = *project, *storage, version
		p.Out, p.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
		_, err := p.Run(cmd.Context())
		return err
	}
	return cmd
}
