package metrics

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a Server.
type Config struct {
	// Listener is where to serve, bound by the daemon; Stop closes it.
	Listener net.Listener
	// Sources are the node's parts read at scrape time.
	Sources Sources
	// Events are the event counters, registered beside the collector.
	Events *Events
	// Network and Version are shown on the page and in ternd_info.
	Network, Version string
	// StartTime is when the node started (the page's uptime).
	StartTime time.Time
	// Refresh is the page's meta refresh (0: DefaultRefresh).
	Refresh time.Duration
}

// DefaultRefresh is how often the status page reloads itself.
const DefaultRefresh = 5 * time.Second

// Server serves /metrics and the status page on one listener.
type Server struct {
	cfg  Config
	reg  *prometheus.Registry
	srv  *http.Server
	wg   sync.WaitGroup
	once sync.Once
}

// New builds the registry (the node's collector, its events, and Go's and
// the process's own collectors) and the HTTP handlers. Nothing is served
// until Start.
func New(cfg Config) (*Server, error) {
	if cfg.Listener == nil {
		return nil, errors.New("metrics: no listener")
	}
	if cfg.Events == nil {
		cfg.Events = NewEvents()
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	reg := prometheus.NewRegistry()
	cs := append([]prometheus.Collector{
		NewCollector(cfg.Sources, cfg.Network, cfg.Version),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}, cfg.Events.collectors()...)
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: promLogger{}}))
	mux.Handle("/{$}", &statusHandler{cfg: &cfg})
	s := &Server{cfg: cfg, reg: reg}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	return s, nil
}

// Name implements the daemon's subsystem interface.
func (s *Server) Name() string { return "metrics server" }

// Start serves in the background until Stop.
func (s *Server) Start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(s.cfg.Listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("Metrics server: %v", err)
		}
	}()
	log.Infof("Metrics at http://%s/metrics, status page at http://%s/", s.cfg.Listener.Addr(),
		s.cfg.Listener.Addr())
}

// Stop closes the listener and every connection and waits for the
// server's goroutine.
func (s *Server) Stop() error {
	var err error
	s.once.Do(func() {
		err = s.srv.Close()
		s.wg.Wait()
	})
	return err
}

// Registry returns the server's registry (tests gather from it).
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// promLogger sends promhttp's errors to the package log.
type promLogger struct{}

func (promLogger) Println(v ...any) { log.Warn(v...) }
