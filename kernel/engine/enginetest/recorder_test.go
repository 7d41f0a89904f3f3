package enginetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmirror/dmirror/kernel/engine"
)

func TestRecorderKeepsOrderAndStreams(t *testing.T) {
	r := NewRecorder()
	r.Stream("stdout", "a")
	r.Display(engine.Bundle{"text/plain": "1"}, nil, "d", false)
	r.Stream("stderr", "b")
	r.Display(engine.Bundle{"text/plain": "2"}, nil, "d", true)
	r.Stream("stdout", "c")
	assert.Equal(t, "ac", r.Text("stdout"))
	assert.Equal(t, "b", r.Text("stderr"))
	assert.Len(t, r.Events(), 5)
	require.Len(t, r.Displays(), 1, "updates are not displays")
	assert.Equal(t, "1", r.Displays()[0].Data["text/plain"])
	r.WaitFor(t, "stdout", "ac")
}

func TestRecorderInput(t *testing.T) {
	r := NewRecorder()
	_, err := r.Input(context.Background(), "?", false)
	assert.ErrorIs(t, err, engine.ErrNoStdin)
	r.AllowInput("x")
	got, err := r.Input(context.Background(), "?", false)
	require.NoError(t, err)
	assert.Equal(t, "x", got)
	_, err = r.Input(context.Background(), "?", false)
	assert.Error(t, err)
	assert.Equal(t, 2, r.Asked())
}
