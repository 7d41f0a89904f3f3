package modules

import "testing"

func TestOlderVersion(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		older bool
	}{
		{"v1.6.0", "v1.4.0", true},
		{"v1.6.0", "v1.6.0", false},
		{"v1.6.0", "v1.10.0", false},
		{"v0.15.0", "v0.9.9", true},
		{"v1.6.0", "v2.0.0", false},
		{"v1.6.0", "latest", false},
		{"v1.6.0", "v1.5.0-pre", true},
	} {
		if got := olderVersion(c.a, c.b) < 0; got != c.older {
			t.Errorf("olderVersion(%s, %s) < 0 = %v, want %v", c.a, c.b, got, c.older)
		}
	}
}
