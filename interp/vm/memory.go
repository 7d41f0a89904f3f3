package vm

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// TotalMemory returns the machine's memory in bytes (MemTotal of
// /proc/meminfo), or 0 if it cannot be read. The image process and the
// mirrors size their memory limits from it.
func TotalMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			if kb, err := strconv.ParseUint(fields[1], 10, 64); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
