package mirror

// TEMPORARY entry points so that main builds while the package is written;
// the owner of package mirror replaces this file.

import (
	"context"
	"errors"
)

// WorkerMode is the hidden command that runs a mirror.
const WorkerMode = "__mirror"

// ServeWorker runs one mirror over its pipes.
func ServeWorker(ctx context.Context) error { return errors.New("mirror: not implemented yet") }
