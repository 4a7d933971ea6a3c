package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestWallTime(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(1700000000, 0).Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name string
		ivs  []interval
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []interval{{at(0), at(3)}}, 3 * time.Second},
		{"apart", []interval{{at(5), at(6)}, {at(0), at(2)}}, 3 * time.Second},
		{"overlapping", []interval{{at(0), at(4)}, {at(2), at(6)}}, 6 * time.Second},
		{"nested", []interval{{at(0), at(10)}, {at(2), at(3)}, {at(4), at(5)}}, 10 * time.Second},
		{"touching", []interval{{at(0), at(2)}, {at(2), at(4)}}, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, wallTime(tt.ivs)) })
	}
}
