package module

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// releaseImage writes a release image of version v under tag of the release
// repository, as a release does, and returns its digest.
func (f *fixture) releaseImage(tag, v string) string {
	f.t.Helper()
	return f.writeRelease(tag, imageOf(f.t, []entry{file("version.json", version(v)), file("module.yaml", "name: hello-module\n")}))
}

func (f *fixture) writeRelease(tag string, img v1.Image) string {
	f.t.Helper()
	ref, err := name.NewTag(f.repo + "/release:" + tag)
	require.NoError(f.t, err)
	require.NoError(f.t, remote.Write(ref, img))
	return digestOf(f.t, img)
}

func TestDeploy(t *testing.T) {
	f := newFixture(t)
	want := f.releaseImage(testTag, testTag)
	var out bytes.Buffer
	d := f.deployOf(testTag, "alpha")
	d.Out = &out
	res, err := d.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &DeployResult{Channel: Published{Ref: f.repo + "/release:alpha", Digest: want, Written: true}}, res)
	assert.Equal(t, want, digestAt(t, f.repo+"/release:alpha"))
	assert.Equal(t, "channel alpha: "+f.repo+"/release:v1.2.3 -> "+f.repo+"/release:alpha (written)\n", out.String())

	// Again: the channel has it; nothing is written.
	f.reg.ResetRequests()
	res, err = d.Run(context.Background())
	require.NoError(t, err)
	assert.False(t, res.Channel.Written)
	assert.Equal(t, testTag, res.Was)
	assert.Zero(t, f.reg.Count("PUT", ""))

	// A newer version moves the channel on and says from where.
	newer := f.releaseImage("v1.10.0", "v1.10.0")
	out.Reset()
	d = f.deployOf("v1.10.0", "alpha")
	d.Out = &out
	res, err = d.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "v1.2.3", res.Was)
	assert.Equal(t, newer, digestAt(t, f.repo+"/release:alpha"))
	assert.Contains(t, out.String(), "(written, was v1.2.3)\n")
}

// A channel never moves back to an older version unless forced; versions
// compare as semantic versions (v1.10.0 is newer than v1.9.0).
func TestDeployRefusesAnOlderVersion(t *testing.T) {
	tests := []struct {
		name    string
		current string // the channel's version.json; "" for no channel
		tag     string
		force   bool
		err     string
	}{
		{name: "first deploy", tag: "v1.9.0"},
		{name: "newer", current: "v1.9.0", tag: "v1.10.0"},
		{name: "the same", current: "v1.9.0", tag: "v1.9.0"},
		{name: "older", current: "v1.10.0", tag: "v1.9.0", err: "channel stable has v1.10.0, newer than v1.9.0: deploying would move it back; give --force to do it anyway"},
		{name: "older, forced", current: "v1.10.0", tag: "v1.9.0", force: true},
		{name: "a prerelease is older", current: "v2.0.0", tag: "v2.0.0-rc.1", err: "channel stable has v2.0.0, newer than v2.0.0-rc.1: deploying would move it back; give --force to do it anyway"},
		{name: "unreadable channel", current: "latest", tag: "v1.9.0", err: `channel stable (REPO/release:stable): version "latest" is not a semantic version; --force replaces it`},
		{name: "unreadable channel, forced", current: "latest", tag: "v1.9.0", force: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			want := f.releaseImage(tt.tag, tt.tag)
			before := ""
			if tt.current != "" {
				before = f.releaseImage("stable", tt.current)
			}
			d := f.deployOf(tt.tag, "stable")
			d.Force = tt.force
			res, err := d.Run(context.Background())
			if tt.err != "" {
				require.Error(t, err)
				assert.Equal(t, strings.ReplaceAll(tt.err, "REPO", f.repo), err.Error())
				assert.Equal(t, before, digestAt(t, f.repo+"/release:stable"), "the channel is left alone")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.current, res.Was)
			assert.Equal(t, want, digestAt(t, f.repo+"/release:stable"))
		})
	}
}

// With CheckPreviousChannel, a channel takes only what the channel before it
// has, as modules-actions' check_previous_channel_release checks it.
func TestDeployChecksThePreviousChannel(t *testing.T) {
	tests := []struct {
		name     string
		channel  string
		previous map[string]string // channel → version
		force    bool
		err      string
	}{
		{name: "alpha has no previous channel", channel: "alpha"},
		{name: "beta after alpha", channel: "beta", previous: map[string]string{"alpha": testTag}},
		{name: "rock-solid after stable", channel: "rock-solid", previous: map[string]string{"stable": testTag}},
		{name: "beta before alpha", channel: "beta", err: "channel beta: the previous channel alpha has no release; deploy v1.2.3 to alpha first"},
		{name: "early-access, beta has another", channel: "early-access", previous: map[string]string{"beta": "v1.2.2", "alpha": testTag},
			err: "channel early-access: the previous channel beta has v1.2.2, not v1.2.3; deploy v1.2.3 to beta first"},
		{name: "forced", channel: "beta", force: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.releaseImage(testTag, testTag)
			for ch, v := range tt.previous {
				f.releaseImage(ch, v)
			}
			d := f.deployOf(testTag, tt.channel)
			d.CheckPreviousChannel, d.Force = true, tt.force
			_, err := d.Run(context.Background())
			if tt.err != "" {
				require.EqualError(t, err, tt.err)
				assert.Empty(t, digestAt(t, f.repo+"/release:"+tt.channel))
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestDeployRefuses(t *testing.T) {
	tests := []struct {
		name    string
		tag     string
		channel string
		release func(f *fixture)
		err     string
	}{
		{"unknown channel", testTag, "latest", nil, `--channel "latest": a release channel is one of alpha, beta, early-access, stable, rock-solid`},
		{"not a semantic version", "main", "alpha", nil, `--tag "main": a release channel takes a semantic version (e.g. v1.2.3), which Deckhouse compares: Invalid Semantic Version`},
		{"no tag", "", "alpha", nil, "--tag is required: the module's version, e.g. v1.2.3"},
		{"not released", testTag, "alpha", nil, "release image REPO/release:v1.2.3 does not exist: release the module first (dagwerf module release --tag v1.2.3)"},
		{"release image of another version", testTag, "alpha", func(f *fixture) { f.releaseImage(testTag, "v1.2.2") },
			`v1.2.3 is not deployed to alpha: release image REPO/release:v1.2.3: version.json says "v1.2.2", not the tag "v1.2.3"`},
		{"release image with ./version.json", testTag, "alpha", func(f *fixture) {
			f.writeRelease(testTag, imageOf(t, []entry{file("./version.json", version(testTag))}))
		}, `v1.2.3 is not deployed to alpha: release image REPO/release:v1.2.3: its tar entry "./version.json" is not named "version.json"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.release != nil {
				tt.release(f)
			}
			_, err := f.deployOf(tt.tag, tt.channel).Run(context.Background())
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), strings.ReplaceAll(tt.err, "REPO", f.repo)), err.Error())
			assert.Empty(t, digestAt(t, f.repo+"/release:"+tt.channel))
		})
	}
}
