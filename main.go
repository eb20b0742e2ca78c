// Command applylens serves ApplyLens Learning: wiring only; the commands live in app/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/applylens/learning/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
