package mirror

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/dmirror/dmirror/interp/frame"
)

type plainList struct {
	V    int
	Next *plainList
}

type anyList struct {
	Next *anyList
	Tags map[string][]any
}

func TestHoldsInterface(t *testing.T) {
	for _, tc := range []struct {
		t    reflect.Type
		want bool
	}{
		{reflect.TypeFor[int](), false},
		{reflect.TypeFor[[]string](), false},
		{reflect.TypeFor[time.Time](), false},
		{reflect.TypeFor[plainList](), false},
		{reflect.TypeFor[[]any](), true},
		{reflect.TypeFor[error](), true},
		{reflect.TypeFor[map[any]int](), true},
		{reflect.TypeFor[[2]struct{ X fmtStringer }](), true},
		{reflect.TypeFor[*anyList](), true},
	} {
		if got := holdsInterface(tc.t); got != tc.want {
			t.Errorf("holdsInterface(%s) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

type fmtStringer interface{ String() string }

// TestBlobsRoundTrip: a Job's chunk data and an Outcome's outputs leave
// the JSON body for blobs and come back, through a frame.
func TestBlobsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := frame.New(&buf, &buf)
	job := &Job{Op: OpCollect, N: 3, Chunks: []JobChunk{{Lo: 0, Hi: 2, Data: []byte{1, 2}}, {Lo: 2, Hi: 3, Data: []byte{3}}}}
	out := &Outcome{Chunks: []ChunkOutcome{{Lo: 0, Hi: 3, Outputs: []byte{9, 8, 7}, Flags: []bool{true, false, true}}}}
	var bs frame.Blobs
	if err := c.Send("job", 1, job.WithBlobs(&bs), bs.List()...); err != nil {
		t.Fatal(err)
	}
	var bs2 frame.Blobs
	if err := c.Send("outcome", 2, out.WithBlobs(&bs2), bs2.List()...); err != nil {
		t.Fatal(err)
	}
	if job.Chunks[0].Data == nil || out.Chunks[0].Outputs == nil {
		t.Fatal("WithBlobs changed the value it copied")
	}
	m, err := c.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(m.Body, []byte(`"Data"`)) {
		t.Errorf("the data stayed in the body: %s", m.Body)
	}
	var gotJob Job
	if err := m.Decode(&gotJob); err != nil {
		t.Fatal(err)
	}
	if err := gotJob.TakeBlobs(m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&gotJob, job) {
		t.Errorf("job %+v, want %+v", gotJob, *job)
	}
	m, err = c.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var gotOut Outcome
	if err := m.Decode(&gotOut); err != nil {
		t.Fatal(err)
	}
	if err := gotOut.TakeBlobs(m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&gotOut, out) {
		t.Errorf("outcome %+v, want %+v", gotOut, *out)
	}
}
