package rpcserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/btcsuite/btclog"
	"github.com/tern-org/ternd/chaincfg"
	"github.com/tern-org/ternd/internal/rpcjson"
)

const (
	// defaultMaxBodySize bounds a request body; larger ones get HTTP 413.
	// It leaves room for a 4 MB block hex-encoded in submitblock, as Core's
	// 32 MiB limit does.
	defaultMaxBodySize = 32 << 20

	// defaultAuthFailDelay slows down password guessing: a request with
	// wrong credentials waits this long before its 401, as in Core.
	defaultAuthFailDelay = 250 * time.Millisecond

	// readTimeout bounds the time to read a whole request, headers and
	// body, as Core's -rpcservertimeout (30 s): a client that stalls
	// mid-body loses its connection. The body is read before a client
	// slot is taken, so such a client never holds one.
	readTimeout = 30 * time.Second

	// readHeaderTimeout bounds the time to read a request's headers.
	readHeaderTimeout = 10 * time.Second

	// shutdownGrace is how long Stop waits for in-flight requests
	// before closing their connections.
	shutdownGrace = 3 * time.Second

	// wwwAuthenticate is sent with every 401, as Core does.
	wwwAuthenticate = `Basic realm="jsonrpc"`
)

// Config configures a Server: its HTTP side, the node's settings the
// handlers report, and the parts of the daemon they depend on. A nil
// dependency leaves its methods out of the table (see New).
type Config struct {
	// Listeners are host:port addresses to serve on.
	Listeners []string

	// DefaultListeners relaxes binding: when set, a listener that fails to
	// bind is only logged, as long as one succeeds.
	DefaultListeners bool

	// Bound, when not empty, are listeners the daemon bound already (it
	// binds every port before it opens anything on disk); Start serves on
	// them instead of binding Listeners, and Stop closes them.
	Bound []net.Listener

	// Observer, when set, is told of every request for a known method once
	// it finished: the method, how long it ran and its error (nil on
	// success). It feeds the RPC metrics and must not block.
	Observer RequestObserver

	// User and Pass are the credentials; when both are empty the server
	// writes a fresh cookie to CookiePath at Start and removes it at Stop.
	User, Pass string
	CookiePath string

	// MaxClients is the number of authenticated requests executed at
	// once; more get 503.
	MaxClients int

	// MaxBodySize bounds request bodies (0 = defaultMaxBodySize).
	MaxBodySize int64

	// AuthFailDelay is the wait before a 401 for wrong credentials (0 =
	// defaultAuthFailDelay).
	AuthFailDelay time.Duration

	// LogPath is reported by getrpcinfo.
	LogPath string

	// StartTime is the daemon's start, for uptime (zero: New's time).
	StartTime time.Time

	// Shutdown is asked to stop the daemon by the stop RPC (nil: stop
	// only answers).
	Shutdown ShutdownRequester

	// Loggers are the daemon's subsystem loggers by tag, whose levels the
	// logging RPC reports and sets.
	Loggers map[string]btclog.Logger

	// ChainParams are the network's parameters.
	ChainParams *chaincfg.Params

	// Version is the daemon's version ("major.minor.patch").
	Version string

	// SubVersion is getnetworkinfo's "subversion" and ClientVersion its
	// "version": the daemon presents itself as the Bitcoin Core release
	// whose policy and RPC it implements, with its own name after it
	// ("/Satoshi:30.0.0/ternd:0.1.0/", 300000), so that clients which pick
	// an API dialect by Core's version (btcd's rpcclient.BackendVersion,
	// lnd) pick the right one. Empty and 0 report Version alone, as
	// "/ternd:Version/" and its major*10000+minor*100+patch.
	SubVersion    string
	ClientVersion int

	// WarningsAsString is Core's -deprecatedrpc=warnings: the "warnings"
	// of getblockchaininfo, getmininginfo and getnetworkinfo are one
	// string, as before Core v28, instead of an array; clients built for
	// the old shape (btcd's rpcclient before v0.24.3) need it.
	WarningsAsString bool

	// ChainDBDir is the chain database's directory, whose size
	// getblockchaininfo reports as size_on_disk.
	ChainDBDir string

	// DataCarrierSize is --datacarriersize (getmempoolinfo).
	DataCarrierSize int

	// BlockMinTxFee, MinRelayTxFee and IncrementalRelayFee are the
	// configured fee rates in sat/kvB (getmininginfo, getnetworkinfo).
	BlockMinTxFee       int64
	MinRelayTxFee       int64
	IncrementalRelayFee int64

	// Proxy and OnionProxy are --proxy and --onion (getnetworkinfo).
	Proxy, OnionProxy string

	// ZMQ lists the ZMQ notifications (getzmqnotifications); nil: none.
	ZMQ ZMQNotifier

	// Backends are the node's parts the handlers reach. Set here, their
	// methods are in the table from New; a daemon that starts the server
	// before it opens the chain (to answer -28 while the chain loads)
	// leaves them empty and hands them over with Attach.
	Backends
}

// Backends are the parts of the daemon the handlers depend on, each behind
// a small interface of interface.go. A nil part leaves its methods out of
// the table.
type Backends struct {
	// The node's parts. Chain (with BlockStore, UtxoSet, ChainManager,
	// TxPool, TxAcceptor, TxPrioritiser, MempoolDumper, FeeEstimator,
	// Generator and Relay) enables the node's methods; TxIndex and
	// FilterIndex may be nil (or not Open) without --txindex and
	// --blockfilterindex.
	Chain         Chain
	BlockStore    BlockStore
	UtxoSet       UtxoSet
	ChainManager  ChainManager
	TxPool        TxPool
	TxAcceptor    TxAcceptor
	TxPrioritiser TxPrioritiser
	MempoolDumper MempoolDumper
	FeeEstimator  FeeEstimator
	Generator     BlockGenerator
	TxIndex       TxIndex
	FilterIndex   FilterIndex
	Relay         Relay

	// The P2P server's parts. PeerServer (with ConnManager, BanManager
	// and AddrManager) enables the network methods.
	PeerServer  PeerServer
	ConnManager ConnManager
	BanManager  BanManager
	AddrManager AddrManager
}

// activeCommand is one running request, reported by getrpcinfo.
type activeCommand struct {
	method string
	start  time.Time
}

// Server is ternd's JSON-RPC server: HTTP POST, bitcoind-compatible
// requests (1.0 and 2.0, batches, positional and named parameters), Core's
// error codes and HTTP status rules, basic or cookie authentication, a
// body-size limit and a limit on concurrent requests.
//
// Methods live in one table, filled by New. More can be added by building
// rpcjson.Method values and calling RegisterMethod before Start (or later:
// the table is safe for concurrent use):
//
//	err := rpc.RegisterMethod(rpcjson.Method{
//		Name:     "getblockcount",
//		Category: "Blockchain",
//		Help:     "Returns the height of the most-work fully-validated chain.\n\nResult:\nn (numeric)",
//		Handler: func(ctx context.Context, params []json.RawMessage) (any, error) {
//			return chain.BestHeight(), nil
//		},
//	})
//
// `help` and `help <method>` then list and describe it, named parameters
// map by the names in Method.Params, and the arity is checked before the
// handler runs.
//
// The server is a node subsystem (Name, Start, Stop). While the node is
// starting it is in warm-up: every method without AllowInWarmup answers
// -28 with the warm-up status until SetWarmupFinished.
type Server struct {
	cfg       Config
	startTime time.Time

	// authHash is sha256("user:pass"); credentials are compared as hashes
	// in constant time. It is set at construction or, for cookies, at
	// Start before the listeners accept.
	authHash atomic.Pointer[[sha256.Size]byte]

	methodsMu sync.RWMutex
	methods   map[string]*rpcjson.Method
	// paramNames holds each method's parameter names, built once at
	// registration for rpcjson.MapParams.
	paramNames map[string][]string

	// warmup is the warm-up status; nil once warm-up is over.
	warmup atomic.Pointer[string]

	// sem holds one token per request being executed. Only an
	// authenticated request whose body has been read takes one.
	sem chan struct{}

	// authFails limits failed authentications per source address, and
	// refusals logs refused requests at most once per interval per kind.
	authFails *authFailures
	refusals  *rateLimitedLog

	// deployments caches getdeploymentinfo's BIP9 states by period.
	deployments deploymentCache

	activeMu  sync.Mutex
	active    map[uint64]activeCommand
	nextReqID uint64

	// ctx is the base of every request context; cancel ends them at Stop.
	ctx    context.Context
	cancel context.CancelFunc

	// tipCh is closed and replaced at each TipChanged, waking the
	// requests waiting for a new tip.
	tipMu sync.Mutex
	tipCh chan struct{}

	// scan is scantxoutset's one scan.
	scan utxoScan

	// txCounts caches getchaintxstats's cumulative transaction counts.
	txCounts chainTxCounts

	listeners []net.Listener
	servers   []*http.Server
	wg        sync.WaitGroup
	cookie    bool
}

// New returns a server in warm-up whose table holds the control methods
// and the methods whose dependencies cfg sets: the node's (blockchain,
// mempool, mining, raw transactions, indexes) with cfg.Chain, the network
// ones with cfg.PeerServer.
func New(cfg Config) (*Server, error) {
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = defaultMaxBodySize
	}
	if cfg.AuthFailDelay <= 0 {
		cfg.AuthFailDelay = defaultAuthFailDelay
	}
	if cfg.MaxClients < 1 {
		cfg.MaxClients = 1
	}
	s := &Server{
		cfg:       cfg,
		startTime: time.Now(),
		methods:   make(map[string]*rpcjson.Method),

		paramNames: make(map[string][]string),
		sem:        make(chan struct{}, cfg.MaxClients),
		authFails:  newAuthFailures(),
		refusals:   newRateLimitedLog(nil),
		active:     make(map[uint64]activeCommand),
		tipCh:      make(chan struct{}),
	}
	if !cfg.StartTime.IsZero() {
		s.startTime = cfg.StartTime
	}
	if cfg.User != "" || cfg.Pass != "" {
		s.setCredentials(cfg.User, cfg.Pass)
	}
	s.SetWarmup("Starting...")
	groups := [][]rpcjson.Method{s.controlMethods(), s.controlExtraMethods(), s.zmqMethods()}
	if cfg.ChainParams != nil {
		groups = append(groups, s.utilMethods())
	}
	groups = append(groups, s.backendMethods(cfg.Backends)...)
	for _, group := range groups {
		for _, m := range group {
			if err := s.RegisterMethod(m); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// backendMethods returns the method groups b enables: the node's
// (blockchain, mempool, mining, raw transactions, indexes) with b.Chain,
// the network ones with b.PeerServer.
func (s *Server) backendMethods(b Backends) [][]rpcjson.Method {
	var groups [][]rpcjson.Method
	if b.Chain != nil {
		groups = append(groups, s.chainMethods(), s.mempoolMethods(), s.miningMethods(),
			s.rawTxMethods(), s.indexMethods(), s.filterMethods(), s.rawTxSignMethods(), s.psbtMethods(),
			s.chainExtraMethods(), s.orphanMethods(), s.scanMethods(), s.estimateRawFeeMethods(),
			s.chainTxMethods())
	}
	if b.PeerServer != nil {
		groups = append(groups, s.netMethods(), s.netExtraMethods())
	}
	return groups
}

// Attach hands a server built without Backends the daemon's parts once
// they exist and adds their methods to the table. It is called once,
// during warm-up, before SetWarmupFinished: until then every method it
// adds answers -28, and no method in the table before it reads Backends.
func (s *Server) Attach(b Backends) error {
	s.methodsMu.Lock()
	if s.cfg.Chain != nil || s.cfg.PeerServer != nil {
		s.methodsMu.Unlock()
		return errors.New("rpc server: backends attached twice")
	}
	s.cfg.Backends = b
	s.methodsMu.Unlock()
	for _, group := range s.backendMethods(b) {
		for _, m := range group {
			if err := s.RegisterMethod(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// setCredentials stores the hash of the accepted user:password.
func (s *Server) setCredentials(user, pass string) {
	h := sha256.Sum256([]byte(user + ":" + pass))
	s.authHash.Store(&h)
}

// RegisterMethod adds a method to the table. Names are unique; a method
// without a name or handler is refused. Safe for concurrent use.
func (s *Server) RegisterMethod(m rpcjson.Method) error {
	if m.Name == "" || m.Handler == nil {
		return errors.New("rpc method needs a name and a handler")
	}
	if m.Category == "" {
		m.Category = "Uncategorized"
	}
	s.methodsMu.Lock()
	defer s.methodsMu.Unlock()
	if _, dup := s.methods[m.Name]; dup {
		return fmt.Errorf("rpc method %q registered twice", m.Name)
	}
	s.methods[m.Name] = &m
	names := make([]string, len(m.Params))
	for i, p := range m.Params {
		names[i] = p.Name
	}
	s.paramNames[m.Name] = names
	return nil
}

// method looks a method up.
func (s *Server) method(name string) (*rpcjson.Method, bool) {
	m, _, ok := s.methodAndNames(name)
	return m, ok
}

// methodAndNames looks a method up with its parameter names (shared: the
// caller must not modify them).
func (s *Server) methodAndNames(name string) (*rpcjson.Method, []string, bool) {
	s.methodsMu.RLock()
	defer s.methodsMu.RUnlock()
	m, ok := s.methods[name]
	return m, s.paramNames[name], ok
}

// sortedMethods returns the methods ordered by category then name.
func (s *Server) sortedMethods() []*rpcjson.Method {
	s.methodsMu.RLock()
	ms := make([]*rpcjson.Method, 0, len(s.methods))
	for _, m := range s.methods {
		ms = append(ms, m)
	}
	s.methodsMu.RUnlock()
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Category != ms[j].Category {
			return ms[i].Category < ms[j].Category
		}
		return ms[i].Name < ms[j].Name
	})
	return ms
}

// SetWarmup puts the server in warm-up with the given status, which calls
// receive as their -28 error message.
func (s *Server) SetWarmup(status string) {
	s.warmup.Store(&status)
}

// SetWarmupFinished ends warm-up; every method is served from now on.
func (s *Server) SetWarmupFinished() {
	s.warmup.Store(nil)
}

// Name satisfies the subsystem interface.
func (s *Server) Name() string { return "RPC server" }

// Start binds the listeners, writes the cookie when no credentials are
// configured, and serves in the background until Stop.
func (s *Server) Start(ctx context.Context) error {
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.listeners = append(s.listeners, s.cfg.Bound...)
	for _, addr := range s.cfg.Listeners {
		if len(s.cfg.Bound) > 0 {
			break
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			if s.cfg.DefaultListeners {
				log.Warnf("RPC: cannot listen on %s: %v", addr, err)
				continue
			}
			s.closeListeners()
			return fmt.Errorf("--rpclisten=%s: %w", addr, err)
		}
		s.listeners = append(s.listeners, l)
	}
	if len(s.listeners) == 0 {
		return errors.New("RPC: no listener could be bound; set --rpclisten or --norpc")
	}
	if s.authHash.Load() == nil {
		user, pass, err := rpcjson.WriteCookie(s.cfg.CookiePath)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("cannot write RPC cookie %s: %w", s.cfg.CookiePath, err)
		}
		s.cookie = true
		s.setCredentials(user, pass)
		log.Infof("Generated RPC authentication cookie %s", s.cfg.CookiePath)
	}
	for _, l := range s.listeners {
		srv := &http.Server{
			Handler:           s,
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       readTimeout,
			IdleTimeout:       2 * time.Minute,
			BaseContext:       func(net.Listener) context.Context { return s.ctx },
			ErrorLog:          nil,
		}
		s.servers = append(s.servers, srv)
		s.wg.Add(1)
		go func(l net.Listener) {
			defer s.wg.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Errorf("RPC server on %s: %v", l.Addr(), err)
			}
		}(l)
		log.Infof("RPC server listening on %s", l.Addr())
	}
	return nil
}

// closeListeners closes listeners bound by a failed Start.
func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
	s.listeners = nil
}

// Addrs returns the bound listener addresses (useful with port 0).
func (s *Server) Addrs() []net.Addr {
	addrs := make([]net.Addr, 0, len(s.listeners))
	for _, l := range s.listeners {
		addrs = append(addrs, l.Addr())
	}
	return addrs
}

// Stop stops accepting requests, lets in-flight ones finish for a short
// grace period (their contexts are cancelled first so long waits return),
// closes everything and removes the cookie. Stop returns only after every
// server goroutine has exited.
func (s *Server) Stop() error {
	if s.cancel == nil {
		return nil
	}
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
	s.wg.Wait()
	if s.cookie {
		if err := rpcjson.DeleteCookie(s.cfg.CookiePath); err != nil {
			log.Warnf("Unable to remove RPC cookie: %v", err)
		}
	}
	return nil
}

// ServeHTTP handles one HTTP request with Core's HTTP rules: POST only,
// basic authentication, then one request object or a batch array.
//
// The order keeps strangers from making the operator's requests fail:
// authentication (with the wrong-password delay, and past a source's
// allowance of failures an immediate 429) and the body read (bounded by
// readTimeout) come before a client slot is taken, so only an
// authenticated client with its whole request in hand holds one of the
// --rpcmaxclients slots, and only while its request runs. Refusals are
// logged at most once per logInterval per kind.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "JSONRPC server handles only POST requests", http.StatusMethodNotAllowed)
		return
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		w.Header().Set("WWW-Authenticate", wwwAuthenticate)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	user, ok := s.checkAuth(auth)
	if !ok {
		s.refuseAuth(w, r)
		return
	}

	body, err := readBody(w, r, s.cfg.MaxBodySize)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}

	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		s.refusals.Warnf("busy", "RPC: too many concurrent requests (--rpcmaxclients=%d), "+
			"refusing %s", s.cfg.MaxClients, r.RemoteAddr)
		http.Error(w, "Work queue depth exceeded", http.StatusServiceUnavailable)
		return
	}
	status, reply := s.handleBody(r.Context(), body, user, r.RemoteAddr)
	if reply == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(reply, '\n'))
}

// refuseAuth answers a request with wrong credentials: 401 after the
// wrong-password delay while the source is within its allowance of
// failures, 429 at once past it. It holds no client slot.
func (s *Server) refuseAuth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	s.refusals.Warnf("auth", "RPC: incorrect password attempt from %s", r.RemoteAddr)
	if !s.authFails.allow(r.RemoteAddr) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	t := time.NewTimer(s.cfg.AuthFailDelay)
	select {
	case <-t.C:
	case <-r.Context().Done():
		t.Stop()
	}
	w.WriteHeader(http.StatusUnauthorized)
}

// readBody reads a request body of at most max bytes. With a declared
// Content-Length (which net/http enforces) it reads into one buffer of that
// size instead of growing one; otherwise (chunked) it reads through
// http.MaxBytesReader. Too large a body yields *http.MaxBytesError.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 {
		if n > max {
			return nil, &http.MaxBytesError{Limit: max}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, max))
}

// checkAuth checks a Basic Authorization header in constant time and
// returns the user name given.
func (s *Server) checkAuth(header string) (string, bool) {
	want := s.authHash.Load()
	const prefix = "Basic "
	if want == nil || len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header[len(prefix):]))
	if err != nil {
		return "", false
	}
	user, _, _ := strings.Cut(string(raw), ":")
	got := sha256.Sum256(raw)
	return user, subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// httpStatusFor maps a legacy (1.0) error to Core's HTTP status.
func httpStatusFor(code rpcjson.RPCErrorCode) int {
	switch code {
	case rpcjson.ErrRPCInvalidRequest:
		return http.StatusBadRequest
	case rpcjson.ErrRPCMethodNotFound:
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}

// handleBody runs a request body and returns the HTTP status and reply
// (nil for 204 No Content), following Core's httprpc.cpp:
//
//   - invalid JSON: -32700 "Parse error", HTTP 500, legacy shape;
//   - an object: legacy errors map to 400 (-32600), 404 (-32601) or 500,
//     2.0 requests answer 200 even for errors, except errors found while
//     parsing the request object itself (400/404/500 in the 2.0 shape);
//     a 2.0 notification is executed and answered with 204;
//   - an array: every element is answered inside one HTTP 200 reply,
//     notifications are left out, and a non-empty batch of notifications
//     only gets 204; an empty batch gets [];
//   - anything else: -32700 "Top-level object parse error", HTTP 500.
func (s *Server) handleBody(ctx context.Context, body []byte, user, peer string) (int, []byte) {
	trimmed := bytes.TrimSpace(body)
	parseError := func() (int, []byte) {
		return http.StatusInternalServerError, rpcjson.NewResponse(rpcjson.VersionLegacy,
			json.RawMessage("null"), nil, rpcjson.NewRPCError(rpcjson.ErrRPCParse, "Parse error"))
	}
	if len(trimmed) == 0 {
		return parseError()
	}
	switch trimmed[0] {
	case '{':
		// ParseRequest decodes the whole object, so well-formed JSON is
		// only checked apart (to tell a parse error) when it fails.
		req, rerr := rpcjson.ParseRequest(trimmed)
		if rerr != nil {
			if !json.Valid(trimmed) {
				return parseError()
			}
			return httpStatusFor(rerr.Code), rpcjson.NewResponse(req.Version, req.ID, nil, rerr)
		}
		result, rerr := s.execute(ctx, req, user, peer)
		if req.IsNotification() {
			return http.StatusNoContent, nil
		}
		status := http.StatusOK
		if rerr != nil && req.Version == rpcjson.VersionLegacy {
			status = httpStatusFor(rerr.Code)
		}
		return status, rpcjson.NewResponse(req.Version, req.ID, result, rerr)

	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return parseError()
		}
		var out bytes.Buffer
		out.WriteByte('[')
		n := 0
		for _, elem := range elems {
			req, rerr := rpcjson.ParseRequest(elem)
			var result json.RawMessage
			if rerr == nil {
				result, rerr = s.execute(ctx, req, user, peer)
			}
			if req.IsNotification() {
				continue
			}
			if n > 0 {
				out.WriteByte(',')
			}
			out.Write(rpcjson.NewResponse(req.Version, req.ID, result, rerr))
			n++
		}
		out.WriteByte(']')
		if n == 0 && len(elems) > 0 {
			return http.StatusNoContent, nil
		}
		return http.StatusOK, out.Bytes()

	default:
		if !json.Valid(trimmed) {
			return parseError()
		}
		return http.StatusInternalServerError, rpcjson.NewResponse(rpcjson.VersionLegacy,
			json.RawMessage("null"), nil,
			rpcjson.NewRPCError(rpcjson.ErrRPCParse, "Top-level object parse error"))
	}
}

// execute runs one parsed request through the method table: warm-up,
// lookup, parameter mapping and count, then the handler. A handler panic is
// recovered and reported as an internal error so no input can take the
// daemon down.
func (s *Server) execute(ctx context.Context, req *rpcjson.ParsedRequest, user, peer string) (result json.RawMessage, rerr *rpcjson.RPCError) {
	if log.Level() <= btclog.LevelDebug {
		log.Debugf("RPC method=%s user=%s peer=%s", sanitize(req.Method), sanitize(user), peer)
	}
	m, names, ok := s.methodAndNames(req.Method)
	if status := s.warmup.Load(); status != nil && !(ok && m.AllowInWarmup) {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCInWarmup, *status)
	}
	if !ok {
		return nil, rpcjson.NewRPCError(rpcjson.ErrRPCMethodNotFound, "Method not found")
	}
	params, rerr := rpcjson.MapParams(req.Params, names)
	if rerr != nil {
		return nil, rerr
	}
	if rerr := m.CheckParams(params); rerr != nil {
		return nil, rerr
	}

	id := s.beginCommand(m.Name)
	defer s.endCommand(id)
	if obs := s.cfg.Observer; obs != nil {
		start := time.Now()
		defer func() { obs.ObserveRequest(m.Name, time.Since(start), rerr) }()
	}
	defer func() {
		if p := recover(); p != nil {
			log.Errorf("RPC method %s panicked: %v\n%s", m.Name, p, debug.Stack())
			result, rerr = nil, rpcjson.NewRPCError(rpcjson.ErrRPCInternal, "Internal error")
		}
	}()
	v, err := m.Handler(ctx, params)
	if err != nil {
		return nil, rpcjson.AsRPCError(err)
	}
	if raw, ok := v.(json.RawMessage); ok {
		if raw == nil {
			return json.RawMessage("null"), nil
		}
		return raw, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, rpcjson.NewRPCErrorf(rpcjson.ErrRPCInternal, "cannot encode result: %v", err)
	}
	return out, nil
}

// Execute runs method with params (a JSON array or object, or empty) as an
// authenticated HTTP request would be run: warm-up, lookup, parameter
// mapping and count, then the handler. It serves in-process callers such
// as the daemon's end-to-end tests.
func (s *Server) Execute(ctx context.Context, method string, params json.RawMessage) (json.RawMessage, *rpcjson.RPCError) {
	return s.execute(ctx, &rpcjson.ParsedRequest{Method: method, Params: params}, "in-process", "in-process")
}

// beginCommand records a running command for getrpcinfo.
func (s *Server) beginCommand(method string) uint64 {
	s.activeMu.Lock()
	defer s.activeMu.Unlock()
	s.nextReqID++
	s.active[s.nextReqID] = activeCommand{method: method, start: time.Now()}
	return s.nextReqID
}

// endCommand forgets a finished command.
func (s *Server) endCommand(id uint64) {
	s.activeMu.Lock()
	delete(s.active, id)
	s.activeMu.Unlock()
}

// sanitize keeps log lines readable whatever a client sends.
func sanitize(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// warnings is the "warnings" member of the info methods: the node has
// none to report, as an empty array or, with WarningsAsString, an empty
// string.
func (s *Server) warnings() any {
	if s.cfg.WarningsAsString {
		return ""
	}
	return []string{}
}
