package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	runtimepprof "runtime/pprof"
	"time"
)

// startProfiling starts what --profile and --cpuprofile ask for and
// returns the function that stops them: it closes the profile server and
// finishes the CPU profile, so it must run at the very end of the
// process's life. Nothing is started when neither option is set.
// profileAddr is where the profile server listens ("" without --profile).
func startProfiling(cfg *config) (stop func(), profileAddr string, err error) {
	return startProfilingOn(cfg, nil)
}

// startProfilingOn is startProfiling serving --profile on ln, a listener
// the daemon bound already (nil: bind cfg.Profile here).
func startProfilingOn(cfg *config, ln net.Listener) (stop func(), profileAddr string, err error) {
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return nil, "", fmt.Errorf("--cpuprofile=%q: %v; give a writable file path", cfg.CPUProfile, err)
		}
		if err := runtimepprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, "", fmt.Errorf("--cpuprofile=%q: %v", cfg.CPUProfile, err)
		}
		stops = append(stops, func() {
			runtimepprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				ternLog.Errorf("Writing the CPU profile %s: %v", cfg.CPUProfile, err)
				return
			}
			ternLog.Infof("CPU profile written to %s", cfg.CPUProfile)
		})
	}
	if cfg.Profile != "" {
		if ln == nil {
			if ln, err = net.Listen("tcp", cfg.Profile); err != nil {
				stopAll()
				return nil, "", fmt.Errorf("--profile=%s: %v; choose another port", cfg.Profile, err)
			}
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				ternLog.Errorf("Profile server: %v", err)
			}
		}()
		profileAddr = ln.Addr().String()
		ternLog.Infof("Profile server listening on http://%s/debug/pprof/", profileAddr)
		stops = append(stops, func() {
			srv.Close()
			<-done
		})
	}
	return stopAll, profileAddr, nil
}
