package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/sync/locks"
)

func newSynchronizationCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "synchronization",
		Short: "Run a synchronization server for builders on several machines",
		Long: `Run a synchronization server: builders on several machines that share a --repo
point --synchronization=http://HOST:PORT at it, so that only one of them publishes
each stage. It speaks werf's protocol, so werf and dagwerf runners can share it.

Locks live in memory: after a restart, builders that held one find out at their
next renewal and fail their build rather than risk publishing a stage twice.
SIGTERM or SIGINT stops it gracefully. Requests are logged, client IDs left out.
Request bodies over 1 MiB are refused (413), and the locks of a client ID that
has made no request and held no lock for an hour are forgotten.`,
		Args: cobra.NoArgs,
	}
	var host string
	var port int
	env.stringFlag(cmd.Flags(), &host, "host", "WERF_HOST", "localhost", "address to listen on; 0.0.0.0 for every interface ($WERF_HOST)")
	env.intFlag(cmd.Flags(), &port, "port", "WERF_PORT", locks.DefaultServerPort, "port to listen on ($WERF_PORT)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if port < 0 || port > 65535 {
			return fmt.Errorf("--port %d: not a port", port)
		}
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		return locks.Serve(cmd.Context(), addr, locks.NewServer(log), func(a net.Addr) {
			fmt.Fprintf(cmd.OutOrStdout(), "synchronization server listening on http://%s\n", a)
		})
	}
	return cmd
}
