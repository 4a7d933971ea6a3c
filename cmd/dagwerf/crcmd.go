package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
)

func newCRCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cr",
		Short: "Log in to and out of container registries",
		Long: `Log in to and out of container registries. Credentials are kept in the Docker
config (--docker-config, $WERF_DOCKER_CONFIG, $DOCKER_CONFIG, ~/.docker), through
the credential helpers it names, so docker, crane, werf and dagwerf share them.`,
	}
	cmd.AddCommand(newCRLoginCommand(env), newCRLogoutCommand(env))
	return cmd
}

func newCRLoginCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "login [-u USER] [-p PASSWORD | --password-stdin] [--insecure-registry] [REGISTRY]",
		Short: "Check credentials with a registry and store them in the Docker config",
		Long: `Check a username and password (or token) with the registry — its /v2/ challenge
and, for token registries, the token exchange — and only then store them in the
Docker config, where builds find them. Without REGISTRY: Docker Hub.

With --insecure-registry the registry is spoken to over plain HTTP, and the host
is remembered in $DAGWERF_HOME/insecure-registries.json (default ~/.dagwerf):
later builds against that host need no flag; other hosts are not affected.`,
		Example: `  echo "$TOKEN" | dagwerf cr login -u ci --password-stdin registry.example.com
  dagwerf cr login -u ci --password-stdin --insecure-registry registry.internal:5000`,
		Args:                  cobra.MaximumNArgs(1),
		DisableFlagsInUseLine: true,
	}
	var username, password string
	var fromStdin, insecure bool
	var dockerConfig string
	fs := cmd.Flags()
	env.stringFlagP(fs, &username, "username", "u", "WERF_USERNAME", "", "username; with a token, the user the registry expects with it ($WERF_USERNAME)")
	// Not env.stringFlagP: its default would show the password in --help.
	fs.StringVarP(&password, "password", "p", "", "password or token; other users see it in the process list, prefer --password-stdin ($WERF_PASSWORD)")
	annotate(fs, "password", "WERF_PASSWORD")
	env.boolFlag(fs, &fromStdin, "password-stdin", "", "WERF_PASSWORD_STDIN", false, "read the password or token from the first line of stdin ($WERF_PASSWORD_STDIN)")
	env.boolFlag(fs, &insecure, "insecure-registry", "", "WERF_INSECURE_REGISTRY", false, "speak plain HTTP to the registry, and remember that for this host ($WERF_INSECURE_REGISTRY)")
	addDockerConfigFlag(fs, env, &dockerConfig)

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("password") {
			fmt.Fprintln(cmd.ErrOrStderr(), "Warning: a password given with -p/--password shows in the process list and the shell history; use --password-stdin")
		}
		srv, err := dockerconfig.ParseServer(firstArg(args))
		if err != nil {
			return err
		}
		if username == "" { // before the password, so that nobody types one in vain
			return fmt.Errorf("%s: %w", srv.Host, dockerconfig.ErrNoUsername)
		}
		secret, err := loginPassword(cmd, env, password, fromStdin)
		if err != nil {
			return err
		}
		dir, err := dockerconfig.NewDir(dockerConfig)
		if err != nil {
			return err
		}
		opts := []dockerconfig.Option{dockerconfig.WithInsecure(insecure), dockerconfig.WithUserAgent("dagwerf/" + version)}
		hosts, err := runner.InsecureHosts(env.home())
		switch {
		case err == nil:
			opts = append(opts, dockerconfig.WithInsecureHosts(hosts))
		case insecure:
			return fmt.Errorf("cannot remember %s as an insecure registry: %w", srv.Host, err)
		}
		where, err := dockerconfig.Login(cmd.Context(), dir, srv, username, secret, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s; credentials stored in %s\n", srv.Host, where)
		if insecure {
			fmt.Fprintf(cmd.OutOrStdout(), "%s is spoken to over plain HTTP from now on (remembered in %s)\n", srv.Host, hosts.Path())
		}
		return nil
	}
	return cmd
}

func newCRLogoutCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logout [REGISTRY]",
		Short: "Remove a registry's credentials from the Docker config",
		Long: `Remove the credentials of one registry from the Docker config (and its credential
helper); other registries' entries stay. Without REGISTRY: Docker Hub.`,
		Args: cobra.MaximumNArgs(1),
	}
	var dockerConfig string
	addDockerConfigFlag(cmd.Flags(), env, &dockerConfig)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		srv, err := dockerconfig.ParseServer(firstArg(args))
		if err != nil {
			return err
		}
		dir, err := dockerconfig.NewDir(dockerConfig)
		if err != nil {
			return err
		}
		found, err := dockerconfig.Logout(dir, srv)
		if err != nil {
			return err
		}
		if found {
			fmt.Fprintf(cmd.OutOrStdout(), "Removed the credentials of %s from %s\n", srv.Host, dir.File())
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "No credentials of %s in %s\n", srv.Host, dir.File())
		}
		return nil
	}
	return cmd
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// maxPasswordLine bounds what --password-stdin reads: tokens are kilobytes.
const maxPasswordLine = 1 << 20

// loginPassword is the secret of a login: -p, --password-stdin,
// $WERF_PASSWORD, or a prompt without echo when stdin is a terminal. It is never
// printed.
func loginPassword(cmd *cobra.Command, env *environment, flag string, fromStdin bool) (string, error) {
	given := cmd.Flags().Changed("password")
	switch {
	case given && fromStdin:
		return "", errors.New("--password and --password-stdin exclude each other")
	case given:
		return flag, nil // warned about already
	case fromStdin:
		return readPasswordLine(cmd.InOrStdin(), cmd.ErrOrStderr())
	}
	if v, ok := env.value("WERF_PASSWORD"); ok {
		return v, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return readPasswordLine(f, cmd.ErrOrStderr())
	}
	return "", nil // the login says what is missing
}

// readPasswordLine reads one line, without its line end; from a terminal it
// prompts and does not echo.
func readPasswordLine(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read the password from the terminal: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, maxPasswordLine)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
