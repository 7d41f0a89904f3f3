package kernel

import (
	"context"
	"os"
	"time"
)

// parentPoll is how often the kernel checks that the front end that
// started it is still its parent.
const parentPoll = time.Second

// watchParent makes Serve return when the process that started the kernel
// dies. Front ends name themselves in JPY_PARENT_PID; a kernel whose front
// end was killed would otherwise run forever, holding its ports and its
// children. Without JPY_PARENT_PID (tests, hand-started kernels) it does
// nothing.
func (k *kernel) watchParent(ctx context.Context) {
	if os.Getenv("JPY_PARENT_PID") == "" {
		return
	}
	ppid := os.Getppid()
	if ppid == 1 {
		return // started by init: there is no parent to lose
	}
	tick := time.NewTicker(parentPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if now := os.Getppid(); now != ppid {
				k.log.Warn("the front end that started the kernel is gone; shutting down", "parent", ppid)
				k.requestStop()
				return
			}
		}
	}
}
