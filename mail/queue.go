package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Job makes the message to send; it runs in the worker, never in the
// request that enqueued it. A nil message (the account does not exist)
// drops the job quietly.
type Job func(ctx context.Context) (*Message, error)

// QueueOptions configure a Queue. Sender is required.
type QueueOptions struct {
	Sender Sender
	// Size is how many jobs wait at most; default 100. Enqueue drops a job
	// when the queue is full.
	Size int
	// Attempts is how often a mail is tried; default 4.
	Attempts int
	// Timeout ends one attempt; default 15s.
	Timeout time.Duration
	// Backoff is the wait before the second attempt, doubling after each;
	// default 1s.
	Backoff time.Duration
	Log     *slog.Logger
	// OnSent and OnFailure, if set, count mails sent and mails given up on
	// (or dropped), for metrics.
	OnSent, OnFailure func(kind string)
}

// Queue sends mails in the background, one at a time.
type Queue struct {
	o      QueueOptions
	jobs   chan queued
	stop   chan struct{}
	done   chan struct{}
	closer sync.Once
	mu     sync.RWMutex
	closed bool
}

type queued struct {
	kind string
	job  Job
}

// NewQueue starts a queue's worker; Close stops it.
func NewQueue(o QueueOptions) *Queue {
	if o.Size <= 0 {
		o.Size = 100
	}
	if o.Attempts <= 0 {
		o.Attempts = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	q := &Queue{o: o, jobs: make(chan queued, o.Size), stop: make(chan struct{}), done: make(chan struct{})}
	go q.work()
	return q
}

// Enqueue adds a job of kind (a name for logs and metrics) without
// waiting. It reports false when the queue is full or closed; the job is
// then logged and counted as a failure.
func (q *Queue) Enqueue(kind string, job Job) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if !q.closed {
		select {
		case q.jobs <- queued{kind, job}:
			return true
		default:
		}
	}
	q.o.Log.Error("mail dropped: the queue is full or closed", slog.String("kind", kind))
	q.failed(kind)
	return false
}

// Close stops taking jobs and waits for the worker to send what is queued,
// until ctx ends; then it gives up on the rest (each logged and counted).
func (q *Queue) Close(ctx context.Context) error {
	q.closer.Do(func() {
		q.mu.Lock()
		q.closed = true
		close(q.jobs)
		q.mu.Unlock()
	})
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		close(q.stop)
		<-q.done
		return ctx.Err()
	}
}

func (q *Queue) work() {
	defer close(q.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-q.stop:
			cancel()
		case <-q.done:
		}
	}()
	for j := range q.jobs {
		q.run(ctx, j)
	}
}

// run builds and sends one job, retrying the send with backoff.
func (q *Queue) run(ctx context.Context, j queued) {
	bctx, cancel := context.WithTimeout(ctx, q.o.Timeout)
	msg, err := j.job(bctx)
	cancel()
	if err != nil {
		q.o.Log.Error("mail not sent: preparing it failed", slog.String("kind", j.kind), slog.Any("error", err))
		q.failed(j.kind)
		return
	}
	if msg == nil {
		return // nothing to send, by design
	}
	wait := q.o.Backoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, q.o.Timeout)
		err = q.o.Sender.Send(actx, *msg)
		cancel()
		if err == nil {
			if q.o.OnSent != nil {
				q.o.OnSent(j.kind)
			}
			return
		}
		if attempt >= q.o.Attempts || ctx.Err() != nil {
			break
		}
		q.o.Log.Warn("sending a mail failed; retrying", slog.String("kind", j.kind), slog.Int("attempt", attempt),
			slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = errors.Join(err, ctx.Err())
	}
	q.o.Log.Error("mail not sent: giving up", slog.String("kind", j.kind), slog.Any("error", err))
	q.failed(j.kind)
}

func (q *Queue) failed(kind string) {
	if q.o.OnFailure != nil {
		q.o.OnFailure(kind)
	}
}
