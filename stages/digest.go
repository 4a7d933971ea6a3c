package stages

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BuildCacheVersion is werf's stage format version; it is part of every digest.
const BuildCacheVersion = "1.2"

// dockerfileStage is the name of the one stage of a non-staged Dockerfile image.
const dockerfileStage = "dockerfile"

// defaultPlatform is left out of digests, so that digests made before werf knew
// platforms stay valid.
const defaultPlatform = "linux/amd64"

// DigestLength is the length of a stage digest in hex.
const DigestLength = 56

// hashParts is werf's way to hash a list: the parts joined with ":::".
func hashParts(sum func([]byte) []byte, parts []string) string {
	return hex.EncodeToString(sum([]byte(strings.Join(parts, ":::"))))
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sha3Sum(b []byte) []byte   { s := sha3.Sum224(b); return s[:] }

// Sha256 is werf's util.Sha256Hash: hex SHA-256 of the parts joined with ":::".
func Sha256(parts ...string) string { return hashParts(sha256Sum, parts) }

// Sha3 is werf's util.Sha3_224Hash: hex SHA3-224 of the parts joined with ":::".
func Sha3(parts ...string) string { return hashParts(sha3Sum, parts) }

// StageDigest hashes one stage's inputs as werf's calculateDigest does: the
// platform unless it is linux/amd64, the format version, the stage name, then
// what the stage depends on.
func StageDigest(platform, name string, rest ...string) string {
	var args []string
	if platform != "" && platform != defaultPlatform {
		args = append(args, platform)
	}
	args = append(args, BuildCacheVersion, name)
	return Sha3(append(args, rest...)...)
}

// StageContentDigest is the werf-stage-content-digest label of a freshly built
// stage: the stage hashed once more as its own "<name>-content" stage.
func StageContentDigest(platform, stageName, digest string) string {
	return StageDigest(platform, stageName+"-content", "", digest, "")
}

// DockerfileDigest is the digest of a non-staged Dockerfile image's stage, from the
// hash of its dependency list.
func DockerfileDigest(platform, dependenciesHash string) string {
	return StageDigest(platform, dockerfileStage, dependenciesHash)
}

// ContentDigest is the werf-stage-content-digest label of a freshly built
// non-staged Dockerfile stage.
func ContentDigest(platform, digest string) string {
	return StageContentDigest(platform, dockerfileStage, digest)
}

// StageID names one stored stage: its digest and when it was first stored. Its
// string, `<digest>-<unix millis>`, is the stage's tag in a repository.
type StageID struct {
	Digest    string
	CreatedAt int64 // unix milliseconds, UTC
}

// NewStageID stamps a digest with the time the stage is stored.
func NewStageID(digest string, at time.Time) StageID {
	return StageID{Digest: digest, CreatedAt: at.UnixMilli()}
}

func (id StageID) String() string { return id.Digest + "-" + strconv.FormatInt(id.CreatedAt, 10) }

// ParseStageID reads a stage tag; anything else (a manifest-list tag, a custom tag,
// a `-rejected` stage) is an error.
func ParseStageID(tag string) (StageID, error) {
	digest, ts, ok := strings.Cut(tag, "-")
	if !ok || !IsDigest(digest) {
		return StageID{}, fmt.Errorf("%q is not a stage tag (<56-hex digest>-<unix millis>)", tag)
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ms < 0 || strconv.FormatInt(ms, 10) != ts {
		return StageID{}, fmt.Errorf("%q is not a stage tag (<56-hex digest>-<unix millis>)", tag)
	}
	return StageID{Digest: digest, CreatedAt: ms}, nil
}

// IsDigest reports whether s is a stage digest: 56 lower-case hex characters.
func IsDigest(s string) bool { return len(s) == DigestLength && isHex(s) }

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ManifestListTag is the tag of a multi-platform image's manifest list: the stage
// IDs of its platforms, ordered by platform, hashed together.
func ManifestListTag(byPlatform map[string]StageID) string {
	platforms := make([]string, 0, len(byPlatform))
	for p := range byPlatform {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)
	ids := make([]string, len(platforms))
	for i, p := range platforms {
		ids[i] = byPlatform[p].String()
	}
	return Sha3(ids...)
}
