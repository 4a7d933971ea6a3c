package registry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --insecure-registry lets the named hosts use plain HTTP, and no others.
func TestInsecureRegistriesOnlyWhenAsked(t *testing.T) {
	o := newOptions([]Option{WithInsecureRegistries("registry.internal:5000")})
	insecure, err := newRepo(o, "--repo", "registry.internal:5000/app")
	require.NoError(t, err)
	assert.Equal(t, "http", insecure.name.Scheme())

	other, err := newRepo(o, "--cache-repo", "registry.example.com/app")
	require.NoError(t, err)
	assert.Equal(t, "https", other.name.Scheme())

	plain, err := newRepo(newOptions(nil), "--repo", "registry.internal:5000/app")
	require.NoError(t, err)
	assert.Equal(t, "https", plain.name.Scheme())
}

func TestNewRepoErrors(t *testing.T) {
	_, err := newRepo(newOptions(nil), "--final-repo", "Registry.Example.com/UPPER")
	assert.ErrorContains(t, err, `--final-repo "Registry.Example.com/UPPER": `)
	_, err = newRepo(newOptions(nil), "--repo", "")
	assert.EqualError(t, err, "--repo: empty repository")
}

func TestParseRetryAfter(t *testing.T) {
	assert.Equal(t, "3s", parseRetryAfter("3", zeroTime).String())
	assert.Equal(t, "0s", parseRetryAfter("soon", zeroTime).String())
	assert.Equal(t, "0s", parseRetryAfter("", zeroTime).String())
}

var zeroTime time.Time
