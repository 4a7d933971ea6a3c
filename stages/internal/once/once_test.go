package once

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetRemembersAllButContextErrors(t *testing.T) {
	var m Map[string, int]
	calls := 0
	compute := func(err error) func() (int, error) {
		return func() (int, error) { calls++; return calls, err }
	}

	v, err := m.Get("a", compute(nil))
	require.NoError(t, err)
	v2, _ := m.Get("a", compute(nil))
	assert.Equal(t, v, v2, "a value is remembered")

	boom := errors.New("boom")
	_, err = m.Get("b", compute(boom))
	require.ErrorIs(t, err, boom)
	_, err = m.Get("b", compute(nil))
	require.ErrorIs(t, err, boom, "an error is remembered")

	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		_, err = m.Get(ctxErr.Error(), compute(fmt.Errorf("walk: %w", ctxErr)))
		require.ErrorIs(t, err, ctxErr)
		v, err = m.Get(ctxErr.Error(), compute(nil))
		require.NoError(t, err, "a context's error is not")
		assert.Equal(t, calls, v)
	}
}
