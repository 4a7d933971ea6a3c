package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/test/gittest"
)

// A past commit loaded to compare with reads werf.yaml, its templates and
// .Files as that commit has them, whatever the working tree holds now.
func TestLoadPinnedCommit(t *testing.T) {
	r := gittest.New(t)
	old := r.CommitFiles(map[string]string{
		"werf.yaml":   meta + "image: app\ndockerfile: Dockerfile\nargs: {V: '{{ .Files.Get \"version.txt\" }}'}\n",
		"version.txt": "1.0",
	})
	r.CommitFiles(map[string]string{"version.txt": "2.0"})
	r.Write("version.txt", "3.0-uncommitted")
	r.Write("werf.yaml", "not yaml: [")

	snap, err := source.Open(r.Dir, source.AtCommit(old))
	require.NoError(t, err)
	cfg, err := config.Load(snap, config.Options{Pinned: true, LookupEnv: func(string) (string, bool) { return "", false }})
	require.NoError(t, err)
	assert.Equal(t, "1.0", cfg.Image("app").Args["V"])
}
