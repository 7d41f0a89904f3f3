package mirror

import (
	"reflect"
	"testing"
	"time"
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
