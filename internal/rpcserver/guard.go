package rpcserver

import (
	"fmt"
	"net"
	"sync"
	"time"
)

const (
	// authFailBurst and authFailRate bound the failed authentications a
	// source address gets the full treatment for (the wrong-password
	// delay and a 401): a burst of authFailBurst, then authFailRate per
	// second. Past them a failure is refused at once with 429, which
	// costs the server nothing and gives a password guesser no more than
	// one try a second per address. A correct login is never refused.
	authFailBurst = 10
	authFailRate  = 1.0

	// maxAuthFailSources bounds the sources remembered; when full, those
	// whose allowance has refilled are forgotten first.
	maxAuthFailSources = 4096

	// logInterval is the shortest time between two log lines of one kind
	// about refused requests; the lines in between are counted and the
	// count is given with the next one.
	logInterval = 10 * time.Second
)

// authFailures is a token bucket per source address for failed
// authentications. It is safe for concurrent use.
type authFailures struct {
	mu      sync.Mutex
	sources map[string]*failBucket
	now     func() time.Time
}

// failBucket is one source's allowance of failed authentications.
type failBucket struct {
	tokens float64
	last   time.Time
}

// newAuthFailures returns an empty table.
func newAuthFailures() *authFailures {
	return &authFailures{sources: make(map[string]*failBucket), now: time.Now}
}

// allow records a failed authentication from remote (host:port) and
// reports whether the source is still within its allowance.
func (a *authFailures) allow(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.sources[host]
	if b == nil {
		if len(a.sources) >= maxAuthFailSources {
			a.pruneLocked(now)
		}
		b = &failBucket{tokens: authFailBurst, last: now}
		a.sources[host] = b
	}
	b.tokens = min(authFailBurst, b.tokens+now.Sub(b.last).Seconds()*authFailRate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// pruneLocked forgets sources whose allowance has refilled and, if none
// has, an arbitrary one, so the table stays within maxAuthFailSources.
func (a *authFailures) pruneLocked(now time.Time) {
	for host, b := range a.sources {
		if b.tokens+now.Sub(b.last).Seconds()*authFailRate >= authFailBurst {
			delete(a.sources, host)
		}
	}
	for host := range a.sources {
		if len(a.sources) < maxAuthFailSources {
			break
		}
		delete(a.sources, host)
	}
}

// rateLimitedLog writes at most one line per kind per logInterval, as
// Core's log rate limiting does, so that a client refused thousands of
// times a second cannot flood the log: the lines in between are counted
// and the next line says how many were suppressed. It is safe for
// concurrent use.
type rateLimitedLog struct {
	mu    sync.Mutex
	kinds map[string]*logKind
	now   func() time.Time
	warnf func(format string, args ...any)
}

// logKind is the state of one kind of line.
type logKind struct {
	last       time.Time
	suppressed int
}

// newRateLimitedLog returns a limiter writing through warnf (nil: the
// package logger's Warnf at the time of the call).
func newRateLimitedLog(warnf func(string, ...any)) *rateLimitedLog {
	return &rateLimitedLog{kinds: make(map[string]*logKind), now: time.Now, warnf: warnf}
}

// Warnf logs a line of the given kind (a fixed string: the number of kinds
// must stay small) unless one was logged less than logInterval ago.
func (l *rateLimitedLog) Warnf(kind, format string, args ...any) {
	now := l.now()
	l.mu.Lock()
	k := l.kinds[kind]
	if k == nil {
		k = &logKind{}
		l.kinds[kind] = k
	}
	if !k.last.IsZero() && now.Sub(k.last) < logInterval {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed, prev := k.suppressed, k.last
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if suppressed > 0 {
		msg += fmt.Sprintf(" (%d more like this in the last %v not logged)", suppressed,
			now.Sub(prev).Round(time.Second))
	}
	warnf := l.warnf
	if warnf == nil {
		warnf = log.Warnf
	}
	warnf("%s", msg)
}
