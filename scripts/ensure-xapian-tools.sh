#!/usr/bin/env bash
# Install Debian's xapian-tools (xapian-tcpsrv, xapian-replicate) when missing.
# Called by the test fixture that starts real shard servers; needs root to install.
set -euo pipefail
command -v xapian-tcpsrv >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-xapian-tools: xapian-tcpsrv is missing and only root can install it" >&2
  echo "  (sudo apt-get install xapian-tools)" >&2
  exit 3
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xapian-tools >/dev/null
command -v xapian-tcpsrv >/dev/null
