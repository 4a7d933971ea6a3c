package config

import (
	"fmt"
	"regexp"
)

// localRepoName is werf's name of the project's own repository in git mappings
// (pkg/build/image/image_tree.go).
const localRepoName = "own"

// decodeGit reads the items of `git` (pkg/config/raw_git.go): a subtree of the
// project's repository, or with url of a remote one.
func (d *docReader) decodeGit(m *mapping) []GitMapping {
	var out []GitMapping
	for i, item := range m.list("git") {
		key := fmt.Sprintf("git[%d]", i)
		gm := d.mapping(item, key)
		g := GitMapping{
			URL:    gm.str("url"),
			Branch: gm.str("branch"),
			Tag:    gm.str("tag"),
			Commit: gm.str("commit"),
		}
		add := "/" // werf's default: the whole repository
		if gm.has("add") {
			add = gm.str("add")
		}
		exp := d.decodeExport(gm, add, gm.str("to"))
		g.Add, g.To, g.Owner, g.Group, g.IncludePaths, g.ExcludePaths = exp.add, exp.to, exp.owner, exp.group, exp.includes, exp.excludes
		if sd := gm.sub("stageDependencies"); sd != nil {
			g.StageDependencies = StageDependencies{
				Install:     d.werfStrings(sd, "install"),
				BeforeSetup: d.werfStrings(sd, "beforeSetup"),
				Setup:       d.werfStrings(sd, "setup"),
			}
			sd.done()
			for _, k := range []string{"install", "beforeSetup", "setup"} {
				d.checkRelative(sd, k)
			}
		}
		auth := d.decodeBasicAuth(gm)
		gm.done()
		if d.err != nil {
			return out
		}
		d.checkExport(gm, exp)
		if g.IsLocal() {
			// werf takes basicAuth of a local mapping without using it.
			g.Name = localRepoName
			for _, ref := range []struct{ key, value string }{{"branch", g.Branch}, {"tag", g.Tag}, {"commit", g.Commit}} {
				if ref.value != "" {
					d.fail(gm.values[ref.key], gm.keyPath(ref.key), "branch, tag and commit are for a remote repository (with url); a local mapping takes the commit being built")
				}
			}
		} else {
			g.Name = remoteRepoName(g.URL)
			g.BasicAuth = auth
			d.checkBasicAuth(gm, auth)
			d.checkRemoteRef(gm, g)
		}
		out = append(out, g)
	}
	return out
}

// checkRemoteRef applies werf's rules to a remote mapping's ref
// (pkg/config/git_remote_export.go): at most one of branch, tag and commit, and
// a branch (master when none is set) only where werf-giterminism.yaml allows it.
func (d *docReader) checkRemoteRef(gm *mapping, g GitMapping) {
	set := 0
	for _, ref := range []string{g.Branch, g.Tag, g.Commit} {
		if ref != "" {
			set++
		}
	}
	if set > 1 {
		d.fail(gm.node, gm.path, "set at most one of branch, tag and commit")
		return
	}
	if g.Tag != "" || g.Commit != "" || d.policy == nil || d.policy.loose || d.policy.gt.Config.Stapel.Git.AllowBranch {
		return
	}
	key, n := gm.keyPath("url"), gm.values["url"]
	what := "the default branch master"
	if g.Branch != "" {
		key, n, what = gm.keyPath("branch"), gm.values["branch"], fmt.Sprintf("branch %q", g.Branch)
	}
	d.fail(n, key, "following %s of %s is not allowed by werf-giterminism.yaml (config.stapel.git.allowBranch): every new commit there changes the digests; pin a tag or a commit", what, g.URL)
}

// decodeBasicAuth reads basicAuth as werf does (git_repo.BasicAuthCredentials):
// a username and a password source.
func (d *docReader) decodeBasicAuth(gm *mapping) *GitBasicAuth {
	am := gm.sub("basicAuth")
	if am == nil {
		return nil
	}
	auth := &GitBasicAuth{Username: am.str("username")}
	if pm := am.sub("password"); pm != nil {
		auth.PasswordEnv, auth.PasswordSrc, auth.PasswordValue = pm.str("env"), pm.str("src"), pm.str("value")
		pm.done()
	}
	am.done()
	return auth
}

// checkBasicAuth requires exactly one password source. werf checks it only when
// it opens the repository (git_repo.BasicAuthCredentialsHelper), with this rule.
func (d *docReader) checkBasicAuth(gm *mapping, auth *GitBasicAuth) {
	if auth == nil {
		return
	}
	sources := 0
	for _, s := range []string{auth.PasswordEnv, auth.PasswordSrc, auth.PasswordValue} {
		if s != "" {
			sources++
		}
	}
	if sources != 1 {
		am := d.mapping(gm.values["basicAuth"], gm.keyPath("basicAuth"))
		d.fail(orNode(am.values["password"], am.node), am.keyPath("password"), "set exactly one of env, src and value")
	}
}

// remoteRepoPattern is werf's getRepositoryID (pkg/config/raw_git.go): the last
// two or more path components of the URL, without .git and a trailing slash.
// werf writes it with the (?U) flag; this is the same expression with each
// quantifier's greediness spelled out.
var remoteRepoPattern = regexp.MustCompile(`.*[:/](.*?/[^/ ]+?)(?:\.git)??/??$`)

// remoteRepoName is werf's name of a remote repository: what labels and the
// repository cache are keyed by. A URL the pattern does not fit is its own name.
func remoteRepoName(url string) string {
	if m := remoteRepoPattern.FindStringSubmatch(url); m != nil {
		return m[1]
	}
	return url
}
