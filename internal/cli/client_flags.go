package cli

import (
	"errors"
	"flag"
	"strings"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/clock"
)

// defaultServer is where the commands that talk to a server find it.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags of every command that talks to a server.
type clientFlags struct {
	server, token, user string
	insecure            bool
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	f := &clientFlags{}
	fs.StringVar(&f.server, "server", defaultServer, "base URL of the sluice server")
	fs.StringVar(&f.token, "token", "", "bearer token to authenticate with")
	fs.StringVar(&f.user, "user", "", "HTTP basic credentials, as USER:PASSWORD")
	fs.BoolVar(&f.insecure, "insecure", false, "accept any TLS certificate (a self-signed server's)")
	return f
}

// client returns a client of the server the flags name; produce calls
// retry up to retries times when the server is overloaded.
func (f *clientFlags) client(clk clock.Clock, retries int) (*client.Client, error) {
	user, password, _ := strings.Cut(f.user, ":")
	c, err := client.New(client.Options{
		URL:                f.server,
		Token:              f.token,
		User:               user,
		Password:           password,
		InsecureSkipVerify: f.insecure,
		Retries:            retries,
		Clock:              clk,
	})
	if err != nil {
		return nil, usageError("--server: %v", err)
	}
	return c, nil
}

// parseInterspersed parses flags given before, between and after the
// positional arguments (`topic create NAME --partitions 3`), and returns
// the positional ones; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, io IO, args []string) ([]string, error) {
	if err := parseFlags(fs, io, args); err != nil {
		return nil, err
	}
	var pos []string
	rest := fs.Args()
	for len(rest) > 0 {
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError("%v", err)
		}
		rest = fs.Args()
	}
	return pos, nil
}
