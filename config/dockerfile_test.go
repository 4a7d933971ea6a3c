package config_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/test/gittest"
)

func TestReadDockerfileAndDockerignore(t *testing.T) {
	tests := []struct {
		name       string
		committed  map[string]string
		local      map[string]string
		wantIgnore string // path of the .dockerignore read
		wantErr    string
	}{
		{
			name:       "the Dockerfile's own .dockerignore comes first",
			committed:  map[string]string{"app/docker/Dockerfile": "FROM a", "app/docker/Dockerfile.dockerignore": "x", "app/.dockerignore": "y", ".dockerignore": "z"},
			wantIgnore: "app/docker/Dockerfile.dockerignore",
		},
		{
			name:       "else the context's",
			committed:  map[string]string{"app/docker/Dockerfile": "FROM a", "app/.dockerignore": "y", ".dockerignore": "z"},
			wantIgnore: "app/.dockerignore",
		},
		{
			name:      "not the project root's",
			committed: map[string]string{"app/docker/Dockerfile": "FROM a", ".dockerignore": "z"},
		},
		{
			name:      "an uncommitted Dockerfile is refused",
			committed: map[string]string{"app/docker/Dockerfile": "FROM a"},
			local:     map[string]string{"app/docker/Dockerfile": "FROM b"},
			wantErr:   `app/docker/Dockerfile has uncommitted changes: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev, or allow them in werf-giterminism.yaml (config.dockerfile.allowUncommitted)`,
		},
		{
			name:      "an untracked .dockerignore is refused",
			committed: map[string]string{"app/docker/Dockerfile": "FROM a"},
			local:     map[string]string{"app/.dockerignore": "y"},
			wantErr:   `app/.dockerignore is untracked: dagwerf reads the configuration from the HEAD commit; commit them, or build the working tree with --dev, or allow them in werf-giterminism.yaml (config.dockerfile.allowUncommittedDockerignoreFiles)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"werf.yaml": meta + "image: app\ncontext: app\ndockerfile: docker/Dockerfile\n"}
			for k, v := range tt.committed {
				files[k] = v
			}
			r := gittest.New(t)
			r.CommitFiles(files)
			r.WriteFiles(tt.local)
			cfg, err := loadRepo(t, r, config.Options{})
			require.NoError(t, err)
			img := cfg.Image("app")
			assert.Equal(t, "app/docker/Dockerfile", img.DockerfilePath())

			data, err := cfg.ReadDockerfile(img)
			if tt.wantErr != "" && err != nil {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "FROM a", string(data))
			p, _, err := cfg.ReadDockerignore(img)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantIgnore, p)
		})
	}
}
