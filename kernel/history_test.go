package kernel

import "testing"

func TestGlobRegexp(t *testing.T) {
	tests := []struct {
		glob, in string
		want     bool
	}{
		{"1?2*", "1+2+3", true},
		{"1?2*", "1+3", false},
		{"*", "", true},
		{"*", "multi\nline", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbcd", false},
		{"x.y", "x.y", true},
		{"x.y", "xzy", false},
		{"(a)+", "(a)+", true},
		{"[ab]?", "bz", true},
		{"[!ab]?", "bz", false},
		{"[^ab]?", "cz", true},
		{"[a-c]", "b", true},
		{"a[", "a[", true},
		{"é?", "éx", true},
		{"?", "é", true},
		{"Fmt*", "fmt.Println", false},
	}
	for _, tt := range tests {
		re, err := globRegexp(tt.glob)
		if err != nil {
			t.Errorf("globRegexp(%q): %v", tt.glob, err)
			continue
		}
		if got := re.MatchString(tt.in); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.glob, tt.in, got, tt.want)
		}
	}
}

func TestHistoryTailBounds(t *testing.T) {
	h := newHistory()
	for i := 1; i <= 3; i++ {
		h.add(i, "c", nil)
	}
	for _, tt := range []struct{ n, want int }{{0, 0}, {-1, 0}, {2, 2}, {10, 3}} {
		n := tt.n
		got, err := h.query(historyRequest{HistAccessType: "tail", N: &n})
		if err != nil || len(got) != tt.want {
			t.Errorf("tail n=%d: %d entries (%v), want %d", tt.n, len(got), err, tt.want)
		}
	}
	if got, _ := h.query(historyRequest{HistAccessType: "tail"}); len(got) != 3 {
		t.Errorf("tail without n: %d entries, want all 3 (default %d)", len(got), defaultHistoryN)
	}
	if got, _ := h.query(historyRequest{HistAccessType: "bogus"}); len(got) != 0 {
		t.Errorf("unknown access type: %d entries", len(got))
	}
}
