package imagespec

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/stages"
)

// StageName is the stage's name; it is hashed into the digest.
const StageName = "imageSpec"

// Args lists what the stage's digest depends on, in werf's order
// (ImageSpecStage.GetDependencies): the spec's values as written, lists sorted,
// maps as sorted key/value pairs. Empty lists add nothing, so a value's position
// depends on the lists before it, as in werf. clearWerfLabels is not among them:
// werf reads it and ignores it.
func Args(spec *config.ImageSpec) []string {
	c := &spec.Config
	args := []string{
		spec.Author,
		fmt.Sprint(spec.ClearHistory),
		strings.Join(c.Cmd, " "),
		strings.Join(c.Entrypoint, " "),
	}
	args = append(args, sortedPairs(c.Env)...)
	args = append(args, slices.Sorted(slices.Values(c.Expose))...)
	args = append(args, healthcheckString(c.Healthcheck))
	args = append(args, sortedPairs(c.Labels)...)
	args = append(args, c.StopSignal, c.User)
	args = append(args, slices.Sorted(slices.Values(c.Volumes))...)
	args = append(args, c.WorkingDir)
	args = append(args, slices.Sorted(slices.Values(c.RemoveLabels))...)
	args = append(args, slices.Sorted(slices.Values(c.RemoveVolumes))...)
	args = append(args, slices.Sorted(slices.Values(c.RemoveEnv))...)
	return append(args,
		fmt.Sprint(c.KeepEssentialWerfLabels),
		fmt.Sprint(c.ClearCmd),
		fmt.Sprint(c.ClearEntrypoint),
		fmt.Sprint(c.ClearUser),
		fmt.Sprint(c.ClearWorkingDir),
	)
}

// Dependencies is the stage's dependencies string: the SHA-256 of Args.
func Dependencies(spec *config.ImageSpec) string { return stages.Sha256(Args(spec)...) }

// Digest is the imageSpec stage's digest for a platform, after the stage whose
// digest is prevDigest (the dockerfile stage). werf's calculateDigest hashes the
// platform (unless linux/amd64), the format version, "imageSpec", the
// dependencies, the previous stage's digest and what that stage hands the next
// one, which is "" for a Dockerfile stage. Nothing of the previous stage's image
// enters it: not its ID, config or labels.
func Digest(platform, prevDigest string, spec *config.ImageSpec) (string, error) {
	if spec == nil {
		return "", errors.New("imageSpec stage digest: no imageSpec")
	}
	if !stages.IsDigest(prevDigest) {
		return "", fmt.Errorf("imageSpec stage digest: previous stage digest %q is not %d lower-case hex characters", prevDigest, stages.DigestLength)
	}
	return stages.StageDigest(platform, StageName, Dependencies(spec), prevDigest, ""), nil
}

// ContentDigest is the werf-stage-content-digest label of a freshly made
// imageSpec stage with that digest.
func ContentDigest(platform, digest string) string {
	return stages.StageContentDigest(platform, StageName, digest)
}

// healthcheckString is how werf's fmt.Sprint prints its *healthConfig: "<nil>",
// or "&{[test words] interval timeout startperiod retries}".
func healthcheckString(h *config.Healthcheck) string {
	if h == nil {
		return "<nil>"
	}
	return fmt.Sprintf("&{%v %d %d %d %d}", h.Test, h.Interval, h.Timeout, h.StartPeriod, h.Retries)
}

// sortedPairs is werf's mapToSortedArgs: key, value, key, value… by key.
func sortedPairs(m map[string]string) []string {
	out := make([]string, 0, 2*len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k, m[k])
	}
	return out
}
