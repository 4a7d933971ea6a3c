package main

import (
	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// addStorageFlags defines the flags that say where stages are kept and how
// builders agree; withFinal adds --final-repo, which only a build writes to.
func addStorageFlags(fs *pflag.FlagSet, env *environment, withFinal bool) *runner.Storage {
	s := &runner.Storage{Home: env.home()}
	env.stringFlag(fs, &s.Repo, "repo", "WERF_REPO", "", "repository of the stages, e.g. registry.example.com/app ($WERF_REPO); without it, a local store under $DAGWERF_HOME/stages (default ~/.dagwerf/stages) that the engine must reach on 127.0.0.1")
	addStorageFlagsBesidesRepo(fs, env, withFinal, s)
	return s
}

// addStorageFlagsBesidesRepo defines the storage flags other than --repo, for
// commands that define --repo their own way.
func addStorageFlagsBesidesRepo(fs *pflag.FlagSet, env *environment, withFinal bool, s *runner.Storage) {
	if withFinal {
		env.stringFlag(fs, &s.FinalRepo, "final-repo", "WERF_FINAL_REPO", "", "repository that final images are copied to, under the same tags ($WERF_FINAL_REPO)")
		env.stringFlag(fs, &s.MetaRepo, "meta-repo", "WERF_META_REPO", "", "repository of werf's records (meta-*, managed-image-*), for a --repo that werf v3 marked as keeping them elsewhere ($WERF_META_REPO)")
	}
	env.prefixListFlag(fs, &s.CacheRepos, "cache-repo", "WERF_CACHE_REPO", "repository read before --repo and filled after builds, e.g. near the runners; repeatable ($WERF_CACHE_REPO, $WERF_CACHE_REPO_*)")
	env.prefixListFlag(fs, &s.SecondaryRepos, "secondary-repo", "WERF_SECONDARY_REPO", "read-only repository whose stages are copied into --repo when found there; repeatable ($WERF_SECONDARY_REPO, $WERF_SECONDARY_REPO_*)")
	env.boolFlag(fs, &s.Insecure, "insecure-registry", "", "WERF_INSECURE_REGISTRY", false, "speak plain HTTP to the registries of --repo and the other repositories ($WERF_INSECURE_REGISTRY)")
	env.boolFlag(fs, &s.SkipTLSVerify, "skip-tls-verify-registry", "", "WERF_SKIP_TLS_VERIFY_REGISTRY", false, "accept any TLS certificate from those registries ($WERF_SKIP_TLS_VERIFY_REGISTRY)")
	addDockerConfigFlag(fs, env, &s.DockerConfig)
	env.stringFlagP(fs, &s.Synchronization, "synchronization", "S", "WERF_SYNCHRONIZATION", "", "how parallel builders agree: :local, http(s)://HOST[:PORT] (dagwerf synchronization) or kubernetes://NAMESPACE[:CONTEXT][@base64:CONFIG|@PATH] (default $WERF_SYNCHRONIZATION, else :local)")
}

// addDockerConfigFlag defines --docker-config: the Docker config directory whose
// credentials registries are given, as werf resolves it.
func addDockerConfigFlag(fs *pflag.FlagSet, env *environment, p *string) {
	def, _ := env.value("DOCKER_CONFIG")
	env.stringFlag(fs, p, "docker-config", "WERF_DOCKER_CONFIG", def, "Docker config directory that registry credentials come from and 'cr login' writes to ($WERF_DOCKER_CONFIG, else $DOCKER_CONFIG, else ~/.docker)")
}
