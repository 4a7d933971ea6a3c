package pipeline_test

import (
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/test/enginetest"
)

// A stage's CreatedAt is its config's creation time in Unix seconds, as
// nanoseconds (werf's unit); a config without one, or with one nanoseconds
// cannot hold, reports 0 rather than an overflowed number.
func TestReportCreatedAt(t *testing.T) {
	tests := []struct {
		name    string
		created func() time.Time
		want    func(created time.Time) int64
	}{
		{name: "the build's time", want: func(c time.Time) int64 { return c.Unix() * int64(time.Second) }},
		{name: "no creation time", created: func() time.Time { return time.Time{} }, want: func(time.Time) int64 { return 0 }},
		{name: "before 1970", created: func() time.Time { return time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC) }, want: func(c time.Time) int64 { return c.Unix() * int64(time.Second) }},
		{name: "past what nanoseconds hold", created: func() time.Time { return time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, want: func(time.Time) int64 { return 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			report, err := f.run(runOptions{builder: &enginetest.Fake{Created: tt.created}})
			require.NoError(t, err)
			stagesSeen := 0
			check := func(rec pipeline.ReportImage) {
				for _, st := range rec.Stages {
					ref, err := name.ParseReference(st.DockerImageName)
					require.NoError(t, err)
					img, err := remote.Image(ref)
					require.NoError(t, err)
					cfg, err := img.ConfigFile()
					require.NoError(t, err)
					assert.Equal(t, tt.want(cfg.Created.Time), st.CreatedAt, "%s %s", rec.WerfImageName, st.Name)
					stagesSeen++
				}
			}
			for _, rec := range report.Images {
				check(rec)
			}
			for _, byPlatform := range report.ImagesByPlatform {
				for _, rec := range byPlatform {
					check(rec)
				}
			}
			assert.Equal(t, 12, stagesSeen, "every stage of every record: 4 images, 2 of them on 2 platforms")
			data, err := report.Marshal(".json")
			require.NoError(t, err)
			assert.NotContains(t, string(data), "-6795364578871345152", "the zero time's overflow")
		})
	}
}
