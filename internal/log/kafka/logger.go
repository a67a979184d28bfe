package kafka

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The client's info level reports every flush, which this package does
// once per Append, and its debug level every request: both go below
// slog's Info so that an Info logger stays quiet.
const (
	levelClientInfo  = slog.LevelDebug
	levelClientDebug = slog.LevelDebug - 4
)

// kgoLogger hands the Kafka client's messages to a slog.Logger.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel {
	ctx := context.Background()
	switch {
	case k.l.Enabled(ctx, levelClientDebug):
		return kgo.LogLevelDebug
	case k.l.Enabled(ctx, levelClientInfo):
		return kgo.LogLevelInfo
	case k.l.Enabled(ctx, slog.LevelWarn):
		return kgo.LogLevelWarn
	case k.l.Enabled(ctx, slog.LevelError):
		return kgo.LogLevelError
	}
	return kgo.LogLevelNone
}

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l := slog.LevelError
	switch level {
	case kgo.LogLevelWarn:
		l = slog.LevelWarn
	case kgo.LogLevelInfo:
		l = levelClientInfo
	case kgo.LogLevelDebug:
		l = levelClientDebug
	}
	k.l.Log(context.Background(), l, "kafka client: "+msg, keyvals...)
}
