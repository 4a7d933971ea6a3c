package module

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// Channels are Deckhouse's release channels, from the least to the most
// stable: a release is promoted along them.
var Channels = []string{"alpha", "beta", "early-access", "stable", "rock-solid"}

// Deploy is the module actions' deploy step: <repo>/release:<tag> copied to
// <repo>/release:<channel>.
type Deploy struct {
	Target  Target
	Project runner.Project // where module.yaml is, when neither Target.Repo nor Target.Name is given
	Access  runner.Storage // registry access (its repositories are not used)
	Tag     string         // the released version, a semantic version
	Channel string         // one of Channels
	// Force deploys over a channel that has a newer version (or one that
	// cannot be read), and past CheckPreviousChannel.
	Force bool
	// CheckPreviousChannel refuses a channel whose previous one (beta's is
	// alpha, …) does not have the tag, as modules-actions'
	// check_previous_channel_release does; alpha has none to check.
	CheckPreviousChannel bool
	Version              string    // dagwerf's, for the user agent
	Out                  io.Writer // one line
}

// DeployResult is what a deploy did.
type DeployResult struct {
	Channel Published
	Was     string // the version the channel had before; "" when it had none
}

// Run checks the release image and the channel, then points the channel at
// the release.
func (d Deploy) Run(ctx context.Context) (*DeployResult, error) {
	out := d.Out
	if out == nil {
		out = io.Discard
	}
	i := slices.Index(Channels, d.Channel)
	if i < 0 {
		return nil, fmt.Errorf("--channel %q: a release channel is one of %s", d.Channel, strings.Join(Channels, ", "))
	}
	if err := checkTag(d.Tag); err != nil {
		return nil, err
	}
	want, err := semver.NewVersion(d.Tag)
	if err != nil {
		return nil, fmt.Errorf("--tag %q: a release channel takes a semantic version (e.g. v1.2.3), which Deckhouse compares: %v", d.Tag, err)
	}
	t, err := d.Target.Resolve(d.Project, false)
	if err != nil {
		return nil, err
	}
	repo, err := openRepository(d.Access, d.Version, "release repository", t.ReleaseRepo())
	if err != nil {
		return nil, err
	}

	release, err := repo.Get(ctx, d.Tag)
	if registry.IsNotFound(err) {
		return nil, fmt.Errorf("release image %s does not exist: release the module first (dagwerf module release --tag %s)", repo.Tag(d.Tag), d.Tag)
	}
	if err != nil {
		return nil, err
	}
	files, err := readImageFiles("release image "+release.Ref.String(), release)
	if err != nil {
		return nil, err
	}
	var p problems
	files.checkEntries(&p)
	files.checkVersion(&p, d.Tag)
	if len(p) > 0 {
		return nil, &CheckError{What: fmt.Sprintf("%s is not deployed to %s", d.Tag, d.Channel), Problems: p}
	}

	res := &DeployResult{}
	current, was, err := channelVersion(ctx, repo, d.Channel)
	if err != nil && !d.Force {
		return nil, fmt.Errorf("%w; --force replaces it", err)
	}
	res.Was = was
	if current != nil && current.GreaterThan(want) && !d.Force {
		return nil, fmt.Errorf("channel %s has %s, newer than %s: deploying would move it back; give --force to do it anyway", d.Channel, was, d.Tag)
	}
	if d.CheckPreviousChannel && i > 0 && !d.Force {
		if err := checkPrevious(ctx, repo, Channels[i-1], d.Channel, d.Tag); err != nil {
			return nil, err
		}
	}

	if res.Channel, err = put(ctx, repo, d.Channel, release); err != nil {
		return nil, err
	}
	line := fmt.Sprintf("channel %s: %s -> %s (%s", d.Channel, release.Ref, res.Channel.Ref, res.Channel.state())
	if was != "" && was != d.Tag {
		line += ", was " + was
	}
	fmt.Fprintln(out, line+")")
	return res, nil
}

// channelVersion reads the version a channel has: nothing for a channel never
// deployed to; an error (with what could be read) for one whose version.json
// cannot be read or is not a semantic version.
func channelVersion(ctx context.Context, repo *registry.Repository, channel string) (*semver.Version, string, error) {
	img, err := repo.Get(ctx, channel)
	if registry.IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	files, err := readImageFiles(fmt.Sprintf("channel %s (%s)", channel, img.Ref), img)
	if err != nil {
		return nil, "", err
	}
	var versions []string
	for _, pf := range files.byImage {
		e, ok := pf.files[versionFile]
		if !ok {
			return nil, "", fmt.Errorf("%s: no %s", pf.where(files.what), versionFile)
		}
		v, err := parseVersion(e.Content)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %s: %v", pf.where(files.what), versionFile, err)
		}
		if !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	if len(versions) != 1 {
		return nil, "", fmt.Errorf("%s: its platforms have different versions (%s)", files.what, strings.Join(versions, ", "))
	}
	v, err := semver.NewVersion(versions[0])
	if err != nil {
		return nil, versions[0], fmt.Errorf("%s: version %q is not a semantic version", files.what, versions[0])
	}
	return v, versions[0], nil
}

// checkPrevious: the previous channel has exactly the tag (the module
// actions compare the strings).
func checkPrevious(ctx context.Context, repo *registry.Repository, previous, channel, tag string) error {
	_, was, err := channelVersion(ctx, repo, previous)
	switch {
	case err != nil && was == "":
		return fmt.Errorf("channel %s: the previous channel's version cannot be read: %w", channel, err)
	case was == "":
		return fmt.Errorf("channel %s: the previous channel %s has no release; deploy %s to %s first", channel, previous, tag, previous)
	case was != tag:
		return fmt.Errorf("channel %s: the previous channel %s has %s, not %s; deploy %s to %s first", channel, previous, was, tag, tag, previous)
	}
	return nil
}
