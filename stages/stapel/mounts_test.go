package stapel

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dagwerf/dagwerf/config"
)

func TestMountLabels(t *testing.T) {
	tests := []struct {
		name   string
		prev   map[string]string
		mounts []config.Mount
		want   map[string]string
	}{
		{"none", nil, nil, map[string]string{}},
		{"config only, paths cleaned", nil,
			[]config.Mount{{From: "tmp_dir", To: "/a/"}, {From: "tmp_dir", To: "/b"}, {From: "build_dir", To: "/c"}},
			map[string]string{labelMountTmpDir: "/a;/b", labelMountBuildDir: "/c"}},
		{"the previous image's first, each once, empty ones dropped",
			map[string]string{labelMountTmpDir: "/x;;/a;/x"},
			[]config.Mount{{From: "tmp_dir", To: "/a"}, {From: "tmp_dir", To: "/y"}},
			map[string]string{labelMountTmpDir: "/x;/a;/y"}},
		{"kept from the previous image without config", map[string]string{labelMountBuildDir: "/c"}, nil,
			map[string]string{labelMountBuildDir: "/c"}},
		{"an empty label stays", map[string]string{labelMountBuildDir: ""}, nil,
			map[string]string{labelMountBuildDir: ""}},
		{"fromPath: one label per host directory, / as --",
			map[string]string{"werf-mount-type-custom-dir---home--u": "/h"},
			[]config.Mount{{FromPath: "/home/u/", To: "/h2"}, {FromPath: "/srv", To: "/s"}, {FromPath: "/srv", To: "/s"}},
			map[string]string{"werf-mount-type-custom-dir---home--u": "/h;/h2", "werf-mount-type-custom-dir---srv": "/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, mountLabels(tt.prev, tt.mounts))
		})
	}
}
