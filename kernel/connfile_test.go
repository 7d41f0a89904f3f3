package kernel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadConnectionFile(t *testing.T) {
	good := `{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"iopub_port":3,"stdin_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`
	tests := []struct {
		name, data, wantErr string
	}{
		{"good", good, ""},
		{"not JSON", `{`, "unexpected end"},
		{"udp", strings.Replace(good, `"tcp"`, `"udp"`, 1), "unsupported transport"},
		{"md5", strings.Replace(good, "hmac-sha256", "hmac-md5", 1), "unsupported signature_scheme"},
		{"no ip", strings.Replace(good, `"127.0.0.1"`, `""`, 1), "no ip"},
		{"port 0", strings.Replace(good, `"hb_port":5`, `"hb_port":0`, 1), "out of range"},
		{"port too big", strings.Replace(good, `"hb_port":5`, `"hb_port":70000`, 1), "out of range"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			info, err := ReadConnectionFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if info.Key != "k" || info.HBPort != 5 {
					t.Errorf("info %+v", info)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := ReadConnectionFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file read without error")
	}
}

func TestEndpoint(t *testing.T) {
	for _, tt := range []struct {
		info ConnectionInfo
		want string
	}{
		{ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}, "tcp://127.0.0.1:5555"},
		{ConnectionInfo{IP: "::1"}, "tcp://[::1]:5555"},
		{ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel"}, "ipc:///tmp/kernel-5555"},
	} {
		if got := tt.info.Endpoint(5555); got != tt.want {
			t.Errorf("Endpoint(%+v) = %q, want %q", tt.info, got, tt.want)
		}
	}
}
