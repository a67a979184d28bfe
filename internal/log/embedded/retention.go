package embedded

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicedata/sluice/internal/log"
)

// EnforceRetention rolls, in every partition, an active segment older
// than segment.ms, then deletes the oldest closed segments that
// retention.ms (against the injected clock) or retention.bytes no longer
// keeps. It runs in the background every Options.RetentionInterval;
// calling it is for tests and tools.
func (l *Log) EnforceRetention(ctx context.Context) error {
	if l.closed.Load() {
		return fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	l.retentionMu.Lock()
	defer l.retentionMu.Unlock()
	now := l.opts.Clock.Now().UnixMilli()
	var errs []error
	for _, t := range *l.topics.Load() {
		for _, p := range t.parts {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := p.enforceRetention(now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
