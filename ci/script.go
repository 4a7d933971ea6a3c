package ci

import (
	"fmt"
	"io"
	"strings"
)

// Export is one variable of the script.
type Export struct {
	Name  string
	Value string
	// Override: export even when the job already sets the variable. Otherwise a
	// value the job set wins, as with werf's ci-env.
	Override bool
}

// Section is a titled group of exports.
type Section struct {
	Title   string
	Exports []Export
}

// Defaults is what dagwerf adds to a job to make its exports.
type Defaults struct {
	DockerConfig string              // the job's own Docker config directory
	Project      string              // werf.yaml's project name, which completes GitHub's repo
	Slug         func(string) string // a branch name made an environment name
	TagPart      func(string) string // a branch or tag name made fit for a docker tag
}

// Sections are the variables dagwerf sets for a job: the Docker config, the
// stages repository, the environment, and custom tags for the branch or git tag.
// The token is never among them.
func Sections(j Job, d Defaults) []Section {
	repo := j.Repo
	if j.RepoNeedsProject {
		repo = ""
		if j.Repo != "" && d.Project != "" {
			repo = j.Repo + "/" + d.Project
		}
	}
	env := j.Environment
	if env == "" {
		env = d.Slug(j.Branch)
	}
	var tags []Export
	if j.Branch != "" {
		tags = append(tags, Export{Name: "WERF_ADD_CUSTOM_TAG_BRANCH", Value: "%image%-" + d.TagPart(j.Branch)})
	}
	if j.GitTag != "" {
		tags = append(tags, Export{Name: "WERF_ADD_CUSTOM_TAG_GIT_TAG", Value: "%image%-" + d.TagPart(j.GitTag)})
	}
	sections := []Section{
		{"DOCKER CONFIG", []Export{
			{Name: "DOCKER_CONFIG", Value: d.DockerConfig, Override: true},
			{Name: "WERF_DOCKER_CONFIG", Value: d.DockerConfig, Override: true},
		}},
		{"REPO", []Export{{Name: "WERF_REPO", Value: repo}}},
		{"ENV", []Export{{Name: "WERF_ENV", Value: env}}},
	}
	if len(tags) > 0 {
		sections = append(sections, Section{"CUSTOM TAGS", tags})
	}
	return sections
}

// Write writes sections as a POSIX shell script of exports. An empty value is
// written commented out; a variable the job already sets is left to it with a
// "skip" comment, unless the export overrides it.
func Write(w io.Writer, sections []Section, env Lookup) error {
	var b strings.Builder
	for i, s := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "# %s\n", s.Title)
		for _, e := range s.Exports {
			line := "export " + e.Name + "=" + quote(e.Value)
			switch current := env.get(e.Name); {
			case !e.Override && current != "":
				fmt.Fprintf(&b, "# skip %s (set to %s)\n", line, quote(current))
			case e.Value == "":
				fmt.Fprintf(&b, "# %s\n", line)
			default:
				fmt.Fprintf(&b, "%s\n", line)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// quote makes s one shell word: single quotes, with any single quote closed,
// escaped and reopened.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
