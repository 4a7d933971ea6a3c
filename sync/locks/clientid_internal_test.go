package locks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Builders racing to create the client ID agree on one, whatever order the
// registry lists the tags in — also when two were written in one millisecond.
func TestOldestClientIDIgnoresListingOrder(t *testing.T) {
	tags := []string{
		"client-id-b-1700000000001",
		"client-id-c-1700000000000",
		"1234-1700000000000",
		"client-id-a-1700000000000",
		"client-id-broken",
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4}, {3, 1, 0, 4, 2}, {1, 3, 2, 0, 4}, {4, 2, 0, 3, 1}} {
		var listed []string
		for _, i := range order {
			listed = append(listed, tags[i])
		}
		id, ok := oldestClientID(listed)
		assert.True(t, ok)
		assert.Equal(t, "a", id, "listed as %v", listed)
	}
	_, ok := oldestClientID([]string{"latest", "client-id-x"})
	assert.False(t, ok)
}
