package values

import (
	"reflect"
	"sync"
	"testing"
)

// TestConcurrentFirstUse: encoders and decoders of a new recursive type are
// built while other goroutines use them (run under -race).
func TestConcurrentFirstUse(t *testing.T) {
	type tree struct {
		Kids []*tree
		Val  any
	}
	v := &tree{Kids: []*tree{{Val: 1}, {Val: "x"}}, Val: []any{2.5}}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			data, err := Encode(reflect.ValueOf(v))
			if err == nil {
				_, err = Decode(data, reflect.TypeOf(v))
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
