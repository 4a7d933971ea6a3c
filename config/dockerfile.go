package config

import (
	"errors"
	"io/fs"
	"path"

	"github.com/dagwerf/dagwerf/config/giterminism"
)

// DefaultDockerfile is read when an image's dockerfile is empty.
const DefaultDockerfile = "Dockerfile"

// DockerfileName is the image's Dockerfile, relative to its context.
func (i *Image) DockerfileName() string {
	if i.Dockerfile == "" {
		return DefaultDockerfile
	}
	return i.Dockerfile
}

// DockerfilePath is the image's Dockerfile, relative to the project directory.
func (i *Image) DockerfilePath() string { return path.Join(i.Context, i.DockerfileName()) }

// ReadDockerfile reads an image's Dockerfile the way the configuration is read:
// from the commit, or from disk where config.dockerfile.allowUncommitted allows.
func (c *Config) ReadDockerfile(img *Image) ([]byte, error) {
	p := img.DockerfilePath()
	return c.files.read(p, globsAllowance("config.dockerfile.allowUncommitted", c.giterminism.Config.Dockerfile.AllowUncommitted))
}

// ReadDockerignore reads the .dockerignore of an image's context: the Dockerfile's
// own (<dockerfile>.dockerignore) if there is one, else the context's. It returns
// "" and no error when there is none.
func (c *Config) ReadDockerignore(img *Image) (string, []byte, error) {
	allow := globsAllowance("config.dockerfile.allowUncommittedDockerignoreFiles", c.giterminism.Config.Dockerfile.AllowUncommittedDockerignoreFiles)
	for _, p := range []string{img.DockerfilePath() + ".dockerignore", path.Join(img.Context, ".dockerignore")} {
		data, err := c.files.read(p, allow)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", nil, err
		}
		return p, data, nil
	}
	return "", nil, nil
}

// Giterminism is the project's werf-giterminism.yaml (empty when there is none).
func (c *Config) Giterminism() *giterminism.Config { return c.giterminism }

// LooseGiterminism reports whether --loose-giterminism was given.
func (c *Config) LooseGiterminism() bool { return c.files.loose }
