#!/usr/bin/env bash
# Installs the system packages dianjiao needs to build, test and run, if any are missing.
# Debian 12 (bookworm) as root. Idempotent: installs nothing when everything is present.
#
# Other systems need the equivalents of:
#   a C toolchain, pkg-config, libclang (for bindgen),
#   FFmpeg 5.1+ development libraries: libavcodec libavformat libavutil libswscale
#     libswresample libavfilter (dianjiao links them; it never runs the ffmpeg CLI),
#   the ffmpeg CLI (tests and benchmarks only: it makes test clips and is the reference),
#   a CJK font (WenQuanYi Zen Hei) for title cards and thumbnails with Chinese text,
#   Rust 1.95+ with cargo, and cargo-nextest for `make test`,
#   Chromium (tests only: the browser test plays prepared films in it with hls.js),
#   Node.js 20+ with npm (`make web-deps` installs web/'s pinned packages: hls.js for the TV
#   page, tus-js-client for the office page, playwright-core and acorn for the tests),
#   iproute2 and Python 3 with venv (tests only: the DLNA tests run the server and real UPnP
#   control points in network namespaces; the control points, async-upnp-client and
#   upnpclient, are pinned in deploy/test-requirements.txt and installed below into
#   /opt/dianjiao-test-venv, or $DIANJIAO_TEST_VENV); gmediarender with GStreamer's plugins
#   (tests only: a real TV renderer the server pushes films to).
set -euo pipefail

PACKAGES=(
  build-essential pkg-config libclang-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev
  ffmpeg
  fonts-wqy-zenhei
  chromium
  iproute2 python3 python3-venv
  gmediarender gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-libav
  # Tests only: systemd-analyze checks deploy/'s units; setpriv runs doctor's test without
  # root's right to read any folder.
  systemd util-linux
)

# Node often comes from outside apt (nodesource, nvm, an image's own), and bookworm's nodejs
# (18.x) is older than playwright-core needs (20+), so it is not installed from here;
# `make web-deps` (part of `make run` and `make test`) stops with this same advice.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "dianjiao: no Node.js 20+ with npm on PATH; \`make run\` (the web pages' packages) and" \
    "\`make test\` (the browser tests) need it: install it from https://nodejs.org or NodeSource" >&2
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

if [ ${#missing[@]} -eq 0 ]; then
  test_venv
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
test_venv
