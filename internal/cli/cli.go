// Package cli is the sluice command line: one file per subcommand, each
// with its own flags, every flag also settable as a SLUICE_* environment
// variable (--data-dir is SLUICE_DATA_DIR). Flags are given before
// positional arguments, as Go's flag package parses them.
//
//	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdIO()))
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// IO is where a command reads and writes; tests substitute buffers.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// StdIO is the process's own standard streams and environment.
func StdIO() IO { return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv} }

// command is one subcommand. run receives the arguments after its name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io IO, args []string) error
}

// commands lists every subcommand; each file adds its own entry here.
func commands() []command {
	cmds := []command{
		serverCommand(),
		topicCommand(),
		genCommand(),
		benchCommand(),
		demoCommand(),
		sqlCommand(),
		versionCommand(),
		testCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

// errUsage marks an error caused by how the command was called; Main
// answers it with exit code 2 and the hint to ask for --help.
var errUsage = errors.New("usage")

// usageError reports a wrong call of a command.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// Main runs the command line and returns the process exit code: 0 on
// success, 1 on failure, 2 on a wrong call.
func Main(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(io.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, io, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(io.Stderr, "sluice %s: %s\nRun 'sluice %s --help' for usage.\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "), c.name)
			return 2
		case errors.Is(err, context.Canceled) && ctx.Err() != nil:
			return 0 // interrupted by the user: not a failure
		default:
			fmt.Fprintf(io.Stderr, "sluice %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(io.Stderr, "sluice: unknown command %q\nRun 'sluice --help' for the list of commands.\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Sluice: a streaming SQL engine for event data, in one binary.")
	fmt.Fprintln(w, "\nUsage: sluice COMMAND [flags] [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set in the environment: --data-dir as SLUICE_DATA_DIR.")
	fmt.Fprintln(w, "Run 'sluice COMMAND --help' for a command's flags.")
}

// newFlagSet returns a flag set for "sluice <name>" whose --help prints the
// synopsis, the description and the flags with their environment names.
func newFlagSet(io IO, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet("sluice "+name, flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() {
		w := io.Stdout
		fmt.Fprintf(w, "Usage: sluice %s\n\n%s\n", synopsis, strings.TrimSpace(description))
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if !any {
			return
		}
		fmt.Fprintln(w, "\nFlags:")
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(w, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
		})
	}
	return fs
}

// envName is the environment variable that sets a flag.
func envName(flagName string) string {
	return "SLUICE_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}

// parseFlags applies SLUICE_* environment variables, then the arguments,
// so that a flag on the command line wins over the environment.
func parseFlags(fs *flag.FlagSet, io IO, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v := io.Getenv(envName(f.Name)); v != "" && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = usageError("environment %s=%q: %v", envName(f.Name), v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError("%v", err)
	}
	return nil
}
