#!/usr/bin/env sh
# Makes a development CA, certificates for nodes 1-3 and a client certificate in hocon/tls/,
# where hocon/tls/*.conf expect them. Run from the repository root. Extra arguments go to
# `paxos dev-certs` (see --help): e.g. --nodes 5, --cluster-id prod, --out some/folder.
# For trying TLS on one machine only: the CA's key is written beside the certificates.
set -eu
cd "$(dirname "$0")/.."
exec dotnet run --project src/PaxosActors.Cli -c Release -- dev-certs "$@"
