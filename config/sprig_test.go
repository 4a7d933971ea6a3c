package config

import (
	"math"
	"testing"

	"github.com/Masterminds/sprig/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Below the bounds, the bounded functions give what sprig's give.
func TestBoundedFuncsMatchSprig(t *testing.T) {
	orig := sprig.TxtFuncMap()
	funcs := sprig.TxtFuncMap()
	boundedFuncs(funcs)

	for _, n := range []int{-7, -1, 0, 1, 2, 10} {
		got, err := funcs["until"].(func(int) ([]int, error))(n)
		require.NoError(t, err)
		assert.Equal(t, orig["until"].(func(int) []int)(n), got, "until %d", n)
	}
	ints := []int{-10, -3, -1, 0, 1, 2, 3, 7, 10}
	for _, a := range ints {
		for _, b := range ints {
			for _, c := range ints {
				got, err := funcs["untilStep"].(func(int, int, int) ([]int, error))(a, b, c)
				require.NoError(t, err)
				assert.Equal(t, orig["untilStep"].(func(int, int, int) []int)(a, b, c), got, "untilStep %d %d %d", a, b, c)

				gotSeq, err := funcs["seq"].(func(...int) (string, error))(a, b, c)
				require.NoError(t, err)
				assert.Equal(t, orig["seq"].(func(...int) string)(a, b, c), gotSeq, "seq %d %d %d", a, b, c)
			}
			gotSeq, err := funcs["seq"].(func(...int) (string, error))(a, b)
			require.NoError(t, err)
			assert.Equal(t, orig["seq"].(func(...int) string)(a, b), gotSeq, "seq %d %d", a, b)
		}
		gotSeq, err := funcs["seq"].(func(...int) (string, error))(a)
		require.NoError(t, err)
		assert.Equal(t, orig["seq"].(func(...int) string)(a), gotSeq, "seq %d", a)
	}
	for _, params := range [][]int{{}, {1, 2, 3, 4}} {
		gotSeq, err := funcs["seq"].(func(...int) (string, error))(params...)
		require.NoError(t, err)
		assert.Equal(t, orig["seq"].(func(...int) string)(params...), gotSeq, "seq %v", params)
	}
	// Near the ends of int, where sprig's sums would wrap.
	got, err := funcs["untilStep"].(func(int, int, int) ([]int, error))(math.MaxInt-5, math.MaxInt, 2)
	require.NoError(t, err)
	assert.Equal(t, []int{math.MaxInt - 5, math.MaxInt - 3, math.MaxInt - 1}, got)
	got, err = funcs["untilStep"].(func(int, int, int) ([]int, error))(0, math.MaxInt, math.MaxInt/2+1)
	require.NoError(t, err, "sprig's own loop never ends here")
	assert.Equal(t, []int{0, math.MaxInt/2 + 1}, got)
	got, err = funcs["untilStep"].(func(int, int, int) ([]int, error))(math.MinInt+1, math.MinInt, -1)
	require.NoError(t, err)
	assert.Equal(t, []int{math.MinInt + 1}, got)
	_, err = funcs["untilStep"].(func(int, int, int) ([]int, error))(math.MinInt, math.MaxInt, 1)
	assert.EqualError(t, err, "untilStep -9223372036854775808 9223372036854775807 1 would make 18446744073709551615 elements, more than the 1000000 a template may make")

	for _, s := range []string{"", "ab", "a\nb\n"} {
		for _, n := range []int{0, 1, 3} {
			gotS, err := funcs["repeat"].(func(int, string) (string, error))(n, s)
			require.NoError(t, err)
			assert.Equal(t, orig["repeat"].(func(int, string) string)(n, s), gotS)
			for _, name := range []string{"indent", "nindent"} {
				gotS, err := funcs[name].(func(int, string) (string, error))(n, s)
				require.NoError(t, err)
				assert.Equal(t, orig[name].(func(int, string) string)(n, s), gotS, "%s %d %q", name, n, s)
			}
		}
	}
	_, err = funcs["repeat"].(func(int, string) (string, error))(math.MaxInt, "xy")
	assert.EqualError(t, err, "repeat 9223372036854775807 of a 2-byte string would make 18446744073709551614 bytes, more than the 64 MiB a template string may have")
	_, err = funcs["repeat"].(func(int, string) (string, error))(math.MaxInt, "xyz")
	assert.EqualError(t, err, "repeat 9223372036854775807 of a 3-byte string would make more than 2^64 bytes, more than the 64 MiB a template string may have")

	for _, name := range []string{"randAlphaNum", "randAlpha", "randAscii", "randNumeric"} {
		s, err := funcs[name].(func(int) (string, error))(16)
		require.NoError(t, err)
		assert.Len(t, s, 16, name)
	}
	s, err := funcs["randBytes"].(func(int) (string, error))(12)
	require.NoError(t, err)
	assert.Len(t, s, 16, "base64 of 12 bytes")
}
