// Package dockerconfig keeps registry credentials where docker, crane, werf and
// dagwerf all read them: the Docker config directory (config.json and the
// credential helpers it names). It verifies a login against the registry before
// storing it, erases one registry's entry on logout, resolves credentials for
// go-containerregistry as a keychain that can say where they came from, and
// remembers the hosts a login marked as plain HTTP.
//
// It never prints, logs or puts a password in an error; it does not read the
// environment (callers resolve --docker-config, WERF_DOCKER_CONFIG and
// DOCKER_CONFIG and pass the directory down).
package dockerconfig
