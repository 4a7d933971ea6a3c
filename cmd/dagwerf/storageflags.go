package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/sync/locks"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/sync/registry/localstore"
)

// storageFlags say where stages are kept and how builders agree.
type storageFlags struct {
	repo            string
	finalRepo       string
	cacheRepos      []string
	secondaryRepos  []string
	insecure        bool
	skipTLSVerify   bool
	dockerConfig    string
	synchronization string
	environ         []string
}

// addStorageFlags defines them; withFinal adds --final-repo, which only a build
// writes to.
func addStorageFlags(fs *pflag.FlagSet, env *environment, environ []string, withFinal bool) *storageFlags {
	f := &storageFlags{environ: environ}
	env.stringFlag(fs, &f.repo, "repo", "WERF_REPO", "", "repository of the stages, e.g. registry.example.com/app ($WERF_REPO); without it, a local store under $DAGWERF_HOME/stages (default ~/.dagwerf/stages) that the engine must reach on 127.0.0.1")
	if withFinal {
		env.stringFlag(fs, &f.finalRepo, "final-repo", "WERF_FINAL_REPO", "", "repository that final images are copied to, under the same tags ($WERF_FINAL_REPO)")
	}
	env.prefixListFlag(fs, &f.cacheRepos, "cache-repo", "WERF_CACHE_REPO", environ, "repository read before --repo and filled after builds, e.g. near the runners; repeatable ($WERF_CACHE_REPO, $WERF_CACHE_REPO_*)")
	env.prefixListFlag(fs, &f.secondaryRepos, "secondary-repo", "WERF_SECONDARY_REPO", environ, "read-only repository whose stages are copied into --repo when found there; repeatable ($WERF_SECONDARY_REPO, $WERF_SECONDARY_REPO_*)")
	env.boolFlag(fs, &f.insecure, "insecure-registry", "", "WERF_INSECURE_REGISTRY", false, "speak plain HTTP to the registries of --repo and the other repositories ($WERF_INSECURE_REGISTRY)")
	env.boolFlag(fs, &f.skipTLSVerify, "skip-tls-verify-registry", "", "WERF_SKIP_TLS_VERIFY_REGISTRY", false, "accept any TLS certificate from those registries ($WERF_SKIP_TLS_VERIFY_REGISTRY)")
	addDockerConfigFlag(fs, env, &f.dockerConfig)
	env.stringFlagP(fs, &f.synchronization, "synchronization", "S", "WERF_SYNCHRONIZATION", "", "how parallel builders agree: :local, http(s)://HOST[:PORT] (dagwerf synchronization) or kubernetes://NAMESPACE[:CONTEXT][@base64:CONFIG|@PATH] (default $WERF_SYNCHRONIZATION, else :local)")
	return f
}

// opened is a stages storage and what must be closed after it.
type opened struct {
	storage *registry.Storage
	close   func() error
}

// open connects to the stages storage: --repo and the repositories around it, or
// the local store, with the lock of --synchronization around publishing.
func (f *storageFlags) open(cfg *config.Config, opts []registry.Option, warn io.Writer) (*opened, error) {
	project := cfg.Meta.Project
	o := &opened{close: func() error { return nil }}
	repo := f.repo
	if repo == "" {
		if f.finalRepo != "" || len(f.cacheRepos) > 0 || len(f.secondaryRepos) > 0 {
			return nil, fmt.Errorf("--final-repo, --cache-repo and --secondary-repo need --repo")
		}
		home, err := locks.DefaultHomeDir()
		if err != nil {
			return nil, err
		}
		store, err := localstore.Open(filepath.Join(home, "stages", project))
		if err != nil {
			return nil, err
		}
		o.close = store.Close
		repo = store.Addr() + "/" + project
	}

	var hosts []string
	for _, r := range append(append([]string{repo, f.finalRepo}, f.cacheRepos...), f.secondaryRepos...) {
		if r != "" {
			host, _, _ := strings.Cut(r, "/")
			hosts = append(hosts, host)
		}
	}
	// Credentials: the caller's options, then the Docker config of --docker-config.
	// Without a home directory to find ~/.docker in, access is anonymous (the
	// zero Dir), as it was before there was a Docker config.
	dockerDir, _ := dockerconfig.NewDir(f.dockerConfig)
	opts = append([]registry.Option{registry.WithKeychain(dockerDir.Keychain())}, opts...)
	// Plain HTTP: every host with --insecure-registry, else those a login marked.
	insecure := hosts
	if !f.insecure {
		remembered, err := rememberedInsecure(hosts)
		if err != nil {
			_ = o.close()
			return nil, err
		}
		insecure = remembered
	}
	opts = append(opts, registry.WithInsecureRegistries(insecure...))
	if f.skipTLSVerify {
		opts = append(opts, registry.WithSkipTLSVerify(hosts...))
	}
	opts = append(opts, registry.WithCacheRepos(f.cacheRepos...), registry.WithSecondaryRepos(f.secondaryRepos...))
	if f.finalRepo != "" {
		opts = append(opts, registry.WithFinalRepo(f.finalRepo))
	}

	addr := locks.Address{Kind: locks.Local}
	if f.synchronization != "" {
		var err error
		if addr, err = locks.ParseAddress(f.synchronization); err != nil {
			return nil, err
		}
	}
	var storage *registry.Storage
	locker, err := locks.New(addr, locks.WithClientID(func(ctx context.Context) (string, error) {
		return locks.ClientID(ctx, addr.URL, project, storage)
	}))
	if err != nil {
		return nil, err
	}
	storage, err = registry.New(project, repo, append(opts, registry.WithLocker(locker))...)
	if err != nil {
		_ = o.close()
		return nil, err
	}
	o.storage = storage
	if f.synchronization == "" && f.repo != "" {
		fmt.Fprintln(warn, "Warning: no --synchronization: stage locks are :local, which keeps builders on this machine apart but not runners on other machines; give them a shared backend (dagwerf synchronization, or kubernetes://) when they build into one --repo at once")
	}
	return o, nil
}

// addDockerConfigFlag defines --docker-config: the Docker config directory whose
// credentials registries are given, as werf resolves it.
func addDockerConfigFlag(fs *pflag.FlagSet, env *environment, p *string) {
	def, _ := env.value("DOCKER_CONFIG")
	env.stringFlag(fs, p, "docker-config", "WERF_DOCKER_CONFIG", def, "Docker config directory that registry credentials come from and 'cr login' writes to ($WERF_DOCKER_CONFIG, else $DOCKER_CONFIG, else ~/.docker)")
}

// insecureHosts is the list of hosts 'cr login --insecure-registry' marked, in
// dagwerf's home directory.
func insecureHosts() (dockerconfig.InsecureHosts, error) {
	home, err := locks.DefaultHomeDir()
	if err != nil {
		return dockerconfig.InsecureHosts{}, err
	}
	return dockerconfig.NewInsecureHosts(filepath.Join(home, dockerconfig.InsecureHostsFile)), nil
}

// rememberedInsecure are those of hosts that a login marked as plain HTTP.
// Without a home directory nothing was remembered.
func rememberedInsecure(hosts []string) ([]string, error) {
	h, err := insecureHosts()
	if err != nil {
		return nil, nil
	}
	return h.Select(hosts...)
}
