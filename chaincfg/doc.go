/*
Package chaincfg holds the parameters of the Bitcoin networks ternd can join:
mainnet, testnet3, testnet4 (BIP94), the default signet and regtest.

Each network is a Params value (MainNetParams, TestNet3Params,
TestNet4Params, SigNetParams, RegressionNetParams) with the message magic,
ports, DNS seeds, the genesis block (built from its fields, so its hash is
computed, and checked by the tests against the published value), the
proof-of-work limit and retargeting rules, the subsidy halving interval,
coinbase maturity, soft fork activation heights, and the address encodings.
Look one up with ParamsForName ("mainnet", "testnet3", "testnet4",
"signet", "regtest") or ParamsForNet (by magic). CustomSignetParams builds a
signet for another challenge.

Params values are shared and must be treated as read-only.
*/
package chaincfg
