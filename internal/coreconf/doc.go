/*
Package coreconf reads configuration files laid out as Bitcoin Core's
bitcoin.conf, so an operator's habits carry over to ternd.conf.

A file is option=value lines. Options before any section apply to every
network. Options in a [main], [test], [testnet4], [signet] or [regtest]
section apply only when that network is selected, and so do top-level lines
written network.option=value (regtest.rpcport=18443). Lines starting with #
or ; are comments. A section header go-flags writes ([Application Options])
is taken as the top level, so files written for ternd's earlier layout keep
working.

Parse reads a file into its option lines, each with its line number, so a
caller that hands the selected lines to another parser (ternd hands them to
go-flags) can keep error messages pointing at the operator's line. Network
tells which network the file's top level selects; Select returns the lines
that apply to one network, the others dropped.

The package decides nothing about the options themselves: aliases, values
and validation belong to the program reading the file.
*/
package coreconf
