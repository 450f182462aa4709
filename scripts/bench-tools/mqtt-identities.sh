#!/usr/bin/env bash
# Device identities for `hearth-bench mqtt`, issued by a hub's CA through the CLI on its data
# folder (safe while the hub runs): PAIRS lighting pairs — switchN publishes to
# devices/<lampN>/cmd/set, lampN subscribes to devices/<lampN>/cmd/# — then idle devices (zone
# default) up to TOTAL identities in all, for the idle-connection mode (about 60 ms of CLI each;
# mqtt_idle_identities.py issues thousands faster through the hub's HTTPS API). Writes
# <name>.key (P-256), <name>.pem (chain, leaf first) and manifest.txt into OUT.
# Usage: mqtt-identities.sh HEARTH-BIN DATA-FOLDER OUT PAIRS [TOTAL]
set -euo pipefail
bin=$1 data=$2 out=$3 pairs=$4 total=${5:-0}
mkdir -p "$out"
cli=(--data "$data" --log-level warning)

# Issues a certificate for a new device NAME; prints its device id.
issue() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
    -keyout "$out/$1.key" -out "$out/$1.csr" 2>/dev/null
  "$bin" ca issue "${cli[@]}" --csr "$out/$1.csr" --profile device --name "$1" > "$out/$1.pem" 2> "$out/$1.err" ||
    { cat "$out/$1.err" >&2; exit 1; }
  grep -o '/device/[A-Za-z0-9_-]*' "$out/$1.err" | cut -d/ -f3
  rm -f "$out/$1.csr" "$out/$1.err"
}

manifest="$out/manifest.txt"
echo "# role  name  client-id  topic-or-filter (made by $(basename "$0"))" > "$manifest"
subscribers=()
for i in $(seq 1 "$pairs"); do
  lamp=$(issue "lamp$i")
  switch=$(issue "switch$i")
  "$bin" devices move "$lamp" --zone lighting "${cli[@]}" >/dev/null
  "$bin" devices move "$switch" --zone lighting "${cli[@]}" >/dev/null
  echo "publisher switch$i $switch devices/$lamp/cmd/set" >> "$manifest"
  subscribers+=("subscriber lamp$i $lamp devices/$lamp/cmd/#")
done
# Idle devices are listed as subscribers of their own commands, after the lamps.
for i in $(seq $((2 * pairs + 1)) "$total"); do
  id=$(issue "idle$i")
  subscribers+=("subscriber idle$i $id devices/$id/cmd/#")
done
printf '%s\n' "${subscribers[@]}" >> "$manifest"
