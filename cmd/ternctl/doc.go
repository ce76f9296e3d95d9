// Command ternctl is ternd's command-line JSON-RPC client, modelled on
// bitcoin-cli:
//
//	ternctl [options] METHOD [PARAMS...]
//
// Options take one or two dashes (-regtest or --regtest):
//
//	-regtest, -testnet, -testnet4, -signet   choose the network (mainnet by default)
//	-rpcconnect=HOST    server host (default 127.0.0.1)
//	-rpcport=PORT       server port (default: the network's RPC port, e.g. 18443 on regtest)
//	-rpcuser, -rpcpassword (or -rpcpass)    credentials
//	-rpccookiefile=PATH cookie file (default DATADIR/NETWORK/.cookie)
//	-appdata, -datadir, -conf   where ternd's files are (same defaults as ternd)
//	-named              pass key=value parameters by name
//	-rpcwait            wait for the server to start (and leave warm-up)
//	-rpcwaittimeout=N   give up waiting after N seconds (0 = never)
//	-rpcclienttimeout=N HTTP timeout in seconds (default 900, 0 = none)
//	-version            print the version and exit
//
// Credentials come from the command line, else from the conf file
// (rpcuser/rpcpass or rpcpassword in ternd.conf), else from the cookie ternd
// writes at start. The conf file is read as ternd reads it (as Core reads
// bitcoin.conf): the network from the command line or the file's top level,
// then the options of that network's [regtest], [test], [testnet4], [signet]
// or [main] section. rpcport and rpcconnect come from there too, or, when the
// file gives neither, from ternd's own rpclisten (or rpcbind) line. Each parameter is sent as JSON if it parses as JSON and as a
// string otherwise. With -named, KEY=VALUE arguments are sent by name and
// other arguments positionally (in Core's "args" member).
//
// A string result is printed raw, null prints nothing, anything else is
// printed as indented JSON. An RPC error is printed to stderr as
// "error code: N\nerror message:\nMESSAGE"; every failure exits with
// status 1.
package main
