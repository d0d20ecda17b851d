package app

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The JSON log is written in batches: with stdout a pipe, one write(2) per
// request line took about an eighth of the server's CPU under load.
const (
	logBufferSize = 64 << 10
	logFlushEvery = 100 * time.Millisecond
)

// logBuffer holds log lines in memory and writes them out together: a short
// while after the first one, when the next would not fit, and on Close.
// slog hands it one whole record per Write, so writing whole batches never
// splits or interleaves lines; and a line is never dropped.
type logBuffer struct {
	out   io.Writer
	every time.Duration

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer // flushes what waits; armed by the first line
	closed bool        // from Close on, lines go straight out
}

// newBufferedLogger returns a JSON logger writing to out through a
// logBuffer, and the buffer, to be closed when the logging is done.
func newBufferedLogger(out io.Writer, size int, every time.Duration) (*slog.Logger, *logBuffer) {
	b := newLogBuffer(out, size, every)
	return slog.New(flushAtWarn{slog.NewJSONHandler(b, nil), b}), b
}

func newLogBuffer(out io.Writer, size int, every time.Duration) *logBuffer {
	b := &logBuffer{out: out, every: every, buf: make([]byte, 0, size)}
	b.timer = time.AfterFunc(every, func() { _ = b.Flush() })
	b.timer.Stop()
	return b
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > cap(b.buf) {
		if err := b.flush(); err != nil {
			return 0, err
		}
	}
	if b.closed || len(p) > cap(b.buf) {
		return b.out.Write(p)
	}
	if len(b.buf) == 0 {
		b.timer.Reset(b.every)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes out the lines waiting.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flush()
}

// Close writes out the lines waiting; later ones are written at once.
func (b *logBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.timer.Stop()
	return b.flush()
}

func (b *logBuffer) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// flushAtWarn writes a warning or an error out at once, with the lines
// before it, so that a problem shows in the log when it happens.
type flushAtWarn struct {
	slog.Handler
	out *logBuffer
}

func (h flushAtWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.out.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushAtWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushAtWarn{h.Handler.WithAttrs(attrs), h.out}
}

func (h flushAtWarn) WithGroup(name string) slog.Handler {
	return flushAtWarn{h.Handler.WithGroup(name), h.out}
}
