package main

import (
	"github.com/spf13/cobra"
)

// version is set at release time with -ldflags "-X main.version=…".
var version = "dev"

func newRootCommand(environ []string) *cobra.Command {
	env := newEnvironment(environ)
	root := &cobra.Command{
		Use:   "dagwerf",
		Short: "Build the images of a werf.yaml on the Dagger engine",
		Long: `dagwerf builds the images described by a werf.yaml (werf v2, Deckhouse Delivery Kit)
on the Dagger engine, keeping their stages in a container registry under werf's
content-based tags: what the registry already has is never built again, and werf
and dagwerf can share one repository.

Flags take their defaults from werf's environment variables (WERF_DIR, WERF_ENV,
WERF_PLATFORM, ...), so CI settings made for werf work unchanged.`,
		Version:           version,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return env.check(cmd) },
	}
	root.AddCommand(
		newConfigCommand(env),
		newPlanCommand(env),
		newBuildCommand(env),
		newDigestCommand(env),
		newCleanupCommand(env),
		newPurgeCommand(env),
		newSynchronizationCommand(env),
		newCRCommand(env),
		newCIEnvCommand(env),
		newModuleCommand(env),
	)
	return root
}
