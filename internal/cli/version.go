package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

func versionCommand() command {
	return command{name: "version", summary: "print the version of this binary", run: func(ctx context.Context, io IO, args []string) error {
		fs := newFlagSet(io, "version", "version", "Prints the module version and the Go version this binary was built with.")
		if err := parseFlags(fs, io, args); err != nil {
			return err
		}
		v, goVersion := "(devel)", "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			v, goVersion = bi.Main.Version, bi.GoVersion
		}
		fmt.Fprintf(io.Stdout, "sluice %s (%s)\n", v, goVersion)
		return nil
	}}
}
