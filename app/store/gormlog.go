package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// newGormLogger logs failed and slow statements through slog. gorm's own slog logger renders
// every statement's SQL even when it logs nothing; on a 50-event insert that was a fifth of
// the sync endpoint's CPU, so this one renders only what it logs.
func newGormLogger(log *slog.Logger, slow time.Duration) logger.Interface {
	inner := logger.NewSlogLogger(log, logger.Config{SlowThreshold: slow, LogLevel: logger.Warn, ParameterizedQueries: true})
	return quietLogger{Interface: inner, slow: slow}
}

type quietLogger struct {
	logger.Interface
	slow time.Duration
}

func (l quietLogger) LogMode(level logger.LogLevel) logger.Interface {
	return quietLogger{Interface: l.Interface.LogMode(level), slow: l.slow}
}

func (l quietLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound)
	if failed || time.Since(begin) > l.slow {
		l.Interface.Trace(ctx, begin, fc, err)
	}
}

// ParamsFilter keeps bound values (token hashes, passwords' hashes, whole batches) out of the
// log: gorm asks the logger itself, so the embedding must pass the question on.
func (l quietLogger) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	if f, ok := l.Interface.(gorm.ParamsFilter); ok {
		return f.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}
