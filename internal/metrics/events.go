package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Events counts what only an event tells: transactions accepted and
// rejected, RPC requests, block validation times and reorganisations. Its
// methods are safe for concurrent use and never block; the daemon calls
// them from its narrowest hooks (see the package doc).
type Events struct {
	accepted   *prometheus.CounterVec
	rejected   *prometheus.CounterVec
	rpcCount   *prometheus.CounterVec
	rpcLatency *prometheus.HistogramVec
	validation prometheus.Histogram
	reorgs     prometheus.Counter

	// mu guards disconnecting, which tells the first disconnection of a
	// reorganisation from the ones that follow it.
	mu            sync.Mutex
	disconnecting bool
}

// NewEvents returns the event counters, all at zero.
func NewEvents() *Events {
	e := &Events{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "mempool_accepted_transactions_total",
			Help: "Transactions the pool accepted, by source (peer, rpc); orphans a parent unlocked count with it."},
			[]string{"source"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "mempool_rejected_transactions_total",
			Help: "Transactions the pool refused, by Core's reject reason kind."}, []string{"reason"}),
		rpcCount: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace,
			Name: "rpc_requests_total",
			Help: "RPC requests by method and result (ok, error)."}, []string{"method", "result"}),
		rpcLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace,
			Name: "rpc_request_duration_seconds", Help: "Time RPC methods took to run, by method.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 30}}, []string{"method"}),
		validation: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace,
			Name:    "chain_block_validation_seconds",
			Help:    "Time a block took to validate against the UTXO set (scripts included) before it connected.",
			Buckets: []float64{.0001, .001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		reorgs: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace,
			Name: "chain_reorganizations_total",
			Help: "Times blocks were disconnected from the tip (reorganisations, invalidateblock)."}),
	}
	for _, src := range []string{"peer", "rpc"} {
		e.accepted.WithLabelValues(src)
	}
	return e
}

// collectors returns the counters to register.
func (e *Events) collectors() []prometheus.Collector {
	return []prometheus.Collector{e.accepted, e.rejected, e.rpcCount, e.rpcLatency, e.validation, e.reorgs}
}

// TxProcessed records what the pool did with a transaction from source
// ("peer", "rpc"): accepted transactions (it and the orphans it unlocked;
// 0 for one kept as an orphan), or refused for reason (Core's reject
// reason kind) when rejected is true.
func (e *Events) TxProcessed(source string, accepted int, rejected bool, reason string) {
	if rejected {
		e.rejected.WithLabelValues(reason).Inc()
		return
	}
	if accepted > 0 {
		e.accepted.WithLabelValues(source).Add(float64(accepted))
	}
}

// RPCRequest records one finished request for a known method.
func (e *Events) RPCRequest(method string, took time.Duration, ok bool) {
	result := "ok"
	if !ok {
		result = "error"
	}
	e.rpcCount.WithLabelValues(method, result).Inc()
	e.rpcLatency.WithLabelValues(method).Observe(took.Seconds())
}

// BlockConnected records a block connected to the main chain and the time
// the chain took to validate it.
func (e *Events) BlockConnected(validation time.Duration) {
	e.mu.Lock()
	e.disconnecting = false
	e.mu.Unlock()
	e.validation.Observe(validation.Seconds())
}

// BlockDisconnected records a block disconnected from the tip; the first
// of a run counts one reorganisation.
func (e *Events) BlockDisconnected() {
	e.mu.Lock()
	first := !e.disconnecting
	e.disconnecting = true
	e.mu.Unlock()
	if first {
		e.reorgs.Inc()
	}
}
