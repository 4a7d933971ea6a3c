package gitmap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dagwerf/dagwerf/config"
)

// localName is werf's name of the project's own repository, and of every
// mapping of it (cmd/werf/common: OpenLocalRepo(ctx, "own", …);
// pkg/build/image/image_tree.go gitLocalPathInit: gitMapping.Name = "own").
const localName = "own"

// repositoryIDPattern is werf's rule for naming a remote repository after its
// URL (pkg/config/raw_git.go getRepositoryID): the last two path components,
// without ".git" or a trailing slash; a URL it does not fit names itself.
var repositoryIDPattern = regexp.MustCompile(`(?U).*?[:/](.*/[^/ ]+)(\.git)?/?$`)

// RepositoryName is werf's name of a remote repository: "company/name" for
// "git@github.com:company/name.git" or "https://github.com/company/name".
func RepositoryName(url string) string {
	if m := repositoryIDPattern.FindStringSubmatch(url); len(m) == 3 {
		return m[1]
	}
	return url
}

// spec is a mapping's settings as werf's GitMapping holds them: Add relative
// to the repository root ("" for the whole tree), paths cleaned as werf's
// config loader cleans them (pkg/config/raw_export_base.go, git_export_base.go).
type spec struct {
	name                string // werf's GitMapping.Name
	repoName            string // werf's GitRepo().GetName()
	add, to             string
	includes, excludes  []string
	owner, group        string
	branch, tag, commit string

	stageDependencies config.StageDependencies // as written: werf does not clean them
}

func newSpec(g config.GitMapping) spec {
	s := spec{
		add:    addPath(g.Add),
		to:     cleanPath(g.To),
		owner:  g.Owner,
		group:  g.Group,
		branch: g.Branch,
		tag:    g.Tag,
		commit: g.Commit,

		stageDependencies: g.StageDependencies,
	}
	for _, p := range g.IncludePaths {
		s.includes = append(s.includes, cleanPath(p))
	}
	for _, p := range g.ExcludePaths {
		s.excludes = append(s.excludes, cleanPath(p))
	}
	if g.IsLocal() {
		s.name, s.repoName = localName, localName
	} else {
		s.repoName = RepositoryName(g.URL)
		s.name = g.Name
		if s.name == "" {
			s.name = s.repoName
		}
	}
	return s
}

// cleanPath is filepath.ToSlash(filepath.Clean(p)) as werf's loader applies it
// to add, to and the include and exclude paths; cleaning twice changes nothing,
// so a path the config parser already cleaned stays as it is.
func cleanPath(p string) string { return path.Clean(p) }

// addPath is werf's GitMappingAdd: the cleaned add without its leading slash,
// "" for the whole repository.
func addPath(add string) string {
	if add == "" {
		add = "/"
	}
	add = cleanPath(add)
	if add == "/" {
		return ""
	}
	return strings.TrimPrefix(add, "/")
}

// fullName is werf's GitMapping.GetFullName: the repository's name and the
// mapping's, "own_own" for the project's repository.
func (s spec) fullName() string {
	if s.name != "" {
		return s.repoName + "_" + s.name
	}
	return s.repoName
}

// paramsHash is werf's GetParamshash: SHA-256 over the mapping's settings
// written one after another, ":::" between the groups but not between the
// include (or exclude) paths themselves.
func (s spec) paramsHash() string {
	h := sha256.New()
	write := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
		}
	}
	write(s.fullName(), ":::", s.to, ":::", s.add, ":::")
	write(s.includes...)
	write(":::")
	write(s.excludes...)
	write(":::", s.owner, ":::", s.group, ":::", s.branch, ":::", s.tag, ":::", s.commit)
	return hex.EncodeToString(h.Sum(nil))
}

// ParamsHash is werf's GetParamshash: what the gitArchive stage digests, and
// the key of the mapping's labels.
func (m *Mapping) ParamsHash() string { return m.paramsHash }

// Label names of a mapping (pkg/build/stage/git_mapping.go).
func labelName(paramsHash, suffix string) string {
	return fmt.Sprintf("werf-git-%s-%s", paramsHash, suffix)
}

// CommitLabel is the label that records the mapping's commit in a stage.
func (m *Mapping) CommitLabel() string { return labelName(m.paramsHash, "commit") }

// VirtualMergeLabel is "true" or "false": whether the recorded commit was a
// virtual merge commit.
func (m *Mapping) VirtualMergeLabel() string { return labelName(m.paramsHash, "virtual-merge") }

// VirtualMergeFromCommitLabel records the merged commit of a virtual merge.
func (m *Mapping) VirtualMergeFromCommitLabel() string {
	return labelName(m.paramsHash, "virtual-merge-from-commit")
}

// VirtualMergeIntoCommitLabel records the commit a virtual merge merged into.
func (m *Mapping) VirtualMergeIntoCommitLabel() string {
	return labelName(m.paramsHash, "virtual-merge-into-commit")
}

// TypeLabel records in the gitArchive stage whether add was a directory or a
// file ("directory", "file").
func (m *Mapping) TypeLabel() string { return labelName(m.paramsHash, "type") }

// Name is werf's name of the mapping in its messages: "own" for the project's
// repository, else the remote repository's name ("company/name").
func (m *Mapping) Name() string { return m.spec.name }
