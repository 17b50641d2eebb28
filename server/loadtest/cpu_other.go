//go:build !unix

package loadtest

import "time"

// cpuTime is not measured on this system: the CPU figure is left out.
func cpuTime() time.Duration { return 0 }
