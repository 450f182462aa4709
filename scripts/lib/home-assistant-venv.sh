# Sourced by tests that need a real Home Assistant: `ensure_home_assistant_venv` creates (or reuses)
# a virtualenv holding Home Assistant 2024.3.3 — the last release that runs on Debian's Python 3.11 —
# with every package HA would otherwise pip-install at its first start for the integrations that
# scripts/test-tools/home_assistant.py loads (its always-loaded defaults, http, api, mqtt and the
# entity platforms MQTT discovery can load), so that a start needs no network.
#
#   . scripts/lib/home-assistant-venv.sh
#   ensure_home_assistant_venv            # exports HEARTH_HA_PYTHON, prints the venv path last
#   "$HEARTH_HA_PYTHON" scripts/test-tools/home_assistant.py run --config-dir ...
#
# The venv is ${HEARTH_HA_VENV:-$HOME/.cache/hearth/home-assistant-2024.3.3}. A marker file written
# after a successful install (and a check that imports still work) makes later calls take well
# under a second; an interrupted install leaves no marker, so the next call finishes it.
# Needs Debian's python3 with venv and ensurepip (Debian package python3-venv: installed here when
# missing and running as root). A cold install takes 2-3 minutes on 2 cores and fills about 700 MB
# (the frontend, numpy and Pillow are most of it).

HEARTH_HA_VERSION=2024.3.3

# What HA 2024.3.3 pip-installs at first start for those integrations (from their manifest.json
# "requirements"): mqtt; file_upload (an mqtt dependency); the default integrations HA always
# loads (frontend, backup, hardware, image_upload via person); camera (an MQTT platform, set up at
# start); recorder (HA also installs the requirements of every after_dependency, here websocket_api's
# recorder, even when it is not set up); and the auth MFA modules HA's core loads before any
# integration (totp, notify).
# josepy<2: josepy 2 dropped ComparableX509, which acme (via hass-nabucasa) imports, and then
# every HTTP request of HA answers 500.
HEARTH_HA_EXTRA_REQUIREMENTS=(
  "josepy<2"
  "paho-mqtt==1.6.1"
  "janus==1.0.0"
  "home-assistant-frontend==20240307.0"
  "securetar==2024.2.1"
  "psutil-home-assistant==0.0.1"
  "Pillow==10.2.0"
  "PyTurboJPEG==1.7.1"
  "pyotp==2.8.0"
  "PyQRCode==1.2.1"
  "SQLAlchemy==2.0.27"
  "fnv-hash-fast==0.5.0"
)

ensure_home_assistant_venv() {
  local venv=${HEARTH_HA_VENV:-$HOME/.cache/hearth/home-assistant-$HEARTH_HA_VERSION}
  local marker="$venv/.hearth-installed"
  # Debian's python3 (3.11 on bookworm), not whichever python3 (pyenv's) is first on PATH.
  local base=${HEARTH_HA_BASE_PYTHON:-}
  if [ -z "$base" ]; then
    if [ -x /usr/bin/python3 ]; then base=/usr/bin/python3; else base=$(command -v python3); fi
  fi
  local want
  want="$("$base" -c 'import sys; print(sys.version.split()[0])') homeassistant==$HEARTH_HA_VERSION ${HEARTH_HA_EXTRA_REQUIREMENTS[*]}"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    export HEARTH_HA_PYTHON="$venv/bin/python"
    printf '%s\n' "$venv"
    return 0
  fi
  if ! "$base" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
      printf '== installing the Debian package python3-venv\n' >&2
      (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }) || {
        printf 'home-assistant-venv: could not install python3-venv\n' >&2
        return 1
      }
    else
      printf 'home-assistant-venv: %s lacks venv/ensurepip: install the Debian package python3-venv\n' "$base" >&2
      return 1
    fi
  fi
  local started=$SECONDS
  printf '== installing Home Assistant %s into %s\n' "$HEARTH_HA_VERSION" "$venv" >&2
  rm -f "$marker"
  mkdir -p "$(dirname "$venv")"
  # A venv of another interpreter (or a broken one) is made anew; a half-done install is resumed.
  if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.base_prefix)' 2>/dev/null)" != \
      "$("$base" -c 'import sys; print(sys.base_prefix)')" ]; then
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    "$base" -m venv "$venv" >&2 || return 1
  fi
  # Step 1: HA itself, with its pins. Step 2: the rest under HA's own constraints file, so nothing
  # HA pinned moves (HA's own pip run at start uses the same file).
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "homeassistant==$HEARTH_HA_VERSION" "josepy<2" >&2 || return 1
  local constraints
  constraints=$("$venv/bin/python" -c \
    'import os, homeassistant; print(os.path.join(os.path.dirname(homeassistant.__file__), "package_constraints.txt"))') ||
    return 1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --constraint "$constraints" \
    "homeassistant==$HEARTH_HA_VERSION" "${HEARTH_HA_EXTRA_REQUIREMENTS[@]}" >&2 || return 1
  "$venv/bin/python" -c 'import homeassistant.__main__, josepy, paho.mqtt.client, hass_frontend, janus, securetar, PIL, turbojpeg, pyotp, pyqrcode, sqlalchemy, fnv_hash_fast
from josepy import ComparableX509' >&2 || {
    printf 'home-assistant-venv: the installed venv does not import\n' >&2
    return 1
  }
  printf '%s' "$want" > "$marker.tmp" && mv "$marker.tmp" "$marker"
  printf '== Home Assistant %s installed in %ss\n' "$HEARTH_HA_VERSION" $((SECONDS - started)) >&2
  export HEARTH_HA_PYTHON="$venv/bin/python"
  printf '%s\n' "$venv"
}
