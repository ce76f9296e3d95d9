package main

import (
	"os"
	"os/signal"
	"syscall"
)

// interruptSignals returns a channel that receives SIGINT and SIGTERM. The
// first one starts an orderly shutdown, a second one during the shutdown
// forces the exit (see ternMain).
func interruptSignals() <-chan os.Signal {
	c := make(chan os.Signal, 2)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c
}
