package kernel

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
)

// ConnectionInfo is the content of a connection file.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	IOPubPort       int    `json:"iopub_port"`
	StdinPort       int    `json:"stdin_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and checks a connection file.
func ReadConnectionFile(path string) (*ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kernel: read connection file: %w", err)
	}
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("kernel: connection file %s: %w", path, err)
	}
	if err := info.check(); err != nil {
		return nil, fmt.Errorf("kernel: connection file %s: %w", path, err)
	}
	return &info, nil
}

func (c *ConnectionInfo) check() error {
	switch c.Transport {
	case "", "tcp", "ipc":
	default:
		return fmt.Errorf("unsupported transport %q (want tcp or ipc)", c.Transport)
	}
	switch c.SignatureScheme {
	case "", "hmac-sha256":
	default:
		return fmt.Errorf("unsupported signature_scheme %q (want hmac-sha256)", c.SignatureScheme)
	}
	if c.IP == "" {
		return fmt.Errorf("no ip")
	}
	for _, p := range []int{c.ShellPort, c.ControlPort, c.IOPubPort, c.StdinPort, c.HBPort} {
		if p <= 0 || p > 65535 {
			return fmt.Errorf("port %d out of range", p)
		}
	}
	return nil
}

// Endpoint returns the ZeroMQ address of port: tcp://ip:port, or for the
// ipc transport ipc://ip-port, where ip is a path prefix.
func (c *ConnectionInfo) Endpoint(port int) string {
	if c.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", c.IP, port)
	}
	return "tcp://" + net.JoinHostPort(c.IP, strconv.Itoa(port))
}
