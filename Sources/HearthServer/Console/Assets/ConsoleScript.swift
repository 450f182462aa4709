/// The console's one script, served as `/console/assets/console.js` (no build step, nothing
/// fetched from elsewhere): live regions fed by server-sent events, the pairing countdown, and
/// the audit log's in-browser verification with WebCrypto.
enum ConsoleScript {
    static let source = #"""
'use strict';
(() => {
  // ---- live updates: the server says "something changed"; the page re-reads its live regions.
  const topics = document.body.dataset.live;
  // A page that answers a form (the pairing page showing an error) names its own address:
  // re-reading or reloading the form's URL would send the form again.
  const livePath = document.body.dataset.livePath;
  const reload = () => (livePath ? location.assign(livePath) : location.reload());
  if (topics && window.EventSource) {
    let refreshing = false, again = false;
    const refresh = async () => {
      if (refreshing) { again = true; return; }
      refreshing = true;
      try {
        const response = await fetch(livePath || location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } });
        if (response.redirected || !response.ok) { reload(); return; }
        const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
        for (const region of document.querySelectorAll('[data-live-region]')) {
          const replacement = fresh.getElementById(region.id);
          if (replacement && replacement.innerHTML !== region.innerHTML) region.innerHTML = replacement.innerHTML;
        }
        startCountdowns();
      } finally {
        refreshing = false;
        if (again) { again = false; refresh(); }
      }
    };
    const events = new EventSource('/console/events?topics=' + encodeURIComponent(topics));
    // Each stream compares against the state when it starts: re-read once it is open, so a change
    // between the page's rendering and the stream's start (or during a reconnection) is not lost.
    events.addEventListener('open', refresh);
    events.addEventListener('change', refresh);
    events.addEventListener('signed-out', () => { events.close(); reload(); });
  }

  // ---- the pairing window's countdown.
  let ticking = null;
  function startCountdowns() {
    const loaded = Date.now();
    const clocks = [...document.querySelectorAll('[data-countdown]')].map((element) => ({
      element, ends: loaded + Number(element.dataset.countdown) * 1000 }));
    if (ticking) clearInterval(ticking);
    if (clocks.length === 0) return;
    const tick = () => {
      for (const { element, ends } of clocks) {
        const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
        element.textContent = left === 0 ? 'now (closed)' : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      }
    };
    tick();
    ticking = setInterval(tick, 1000);
  }
  startCountdowns();

  // ---- audit verification: nothing here takes the server's word for a result.
  const encoder = new TextEncoder();
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const uint64 = (value) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(value)); return b; };
  const field = (bytes) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, bytes.length); return concat(b, bytes); };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  // docs/audit.md, "Leaf encoding"; RFC 9162 2.1.1 for the leaf hash.
  async function leafHash(entry) {
    const texts = [entry.household_id || '', entry.actor, entry.action, entry.subject, entry.reason];
    const input = concat(Uint8Array.of(1), uint64(entry.index), uint64(entry.time_ms),
      ...texts.map((t) => field(encoder.encode(t))), field(fromBase64(entry.details_commitment)));
    return sha256(concat(Uint8Array.of(0), input));
  }

  // RFC 9162 2.1.3.2: the root an inclusion proof leads to.
  async function rootFromProof(index, size, leaf, path) {
    if (index >= size) throw new Error('the proof is for an index outside the tree');
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) throw new Error('the proof is longer than the tree is deep');
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(concat(Uint8Array.of(1), p, r));
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = await sha256(concat(Uint8Array.of(1), r, p));
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error('the proof is shorter than the tree is deep');
    return r;
  }

  // C2SP signed-note verifier key: name+keyid+base64(0x01 || Ed25519 public key).
  async function parseKey(text) {
    // The name and the id hold no '+'; the base64 key may.
    const [name, id, ...key] = text.split('+');
    const encoded = key.join('+');
    const raw = fromBase64(encoded || '');
    if (!name || raw.length !== 33 || raw[0] !== 1) throw new Error('the audit key is malformed');
    const keyID = (await sha256(concat(encoder.encode(name), Uint8Array.of(10), raw))).slice(0, 4);
    if (Array.from(keyID, (b) => b.toString(16).padStart(2, '0')).join('') !== id) throw new Error('the audit key id does not match the key');
    return { name, keyID, publicKey: raw.slice(1) };
  }

  // The key this browser saw first for this hub: a key swapped later fails every check.
  function pinnedKey(served) {
    const slot = 'hearth-audit-key:' + location.host;
    const pinned = localStorage.getItem(slot);
    if (pinned === null) { localStorage.setItem(slot, served); return served; }
    if (pinned !== served) throw new Error('the hub\'s audit key is not the one this browser remembers');
    return pinned;
  }

  async function verifySignature(note, key) {
    const split = note.lastIndexOf('\n\n');
    if (split < 0) throw new Error('the checkpoint is not a signed note');
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2).split('\n').filter((l) => l.length > 0);
    let publicKey;
    try {
      publicKey = await crypto.subtle.importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
    } catch (error) {
      return { text, checked: false };
    }
    for (const line of lines) {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match || match[1] !== key.name) continue;
      const payload = fromBase64(match[2]);
      if (!equal(payload.slice(0, 4), key.keyID)) continue;
      const good = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, payload.slice(4), encoder.encode(text));
      if (!good) throw new Error('the checkpoint signature does not verify');
      return { text, checked: true };
    }
    throw new Error('the checkpoint has no signature by the hub\'s audit key');
  }

  async function verify(button) {
    const entry = JSON.parse(button.dataset.entry);
    const key = await parseKey(pinnedKey(document.getElementById('audit-table').dataset.auditKey));
    const response = await fetch('/console/audit/proof?index=' + entry.index, { credentials: 'same-origin' });
    if (!response.ok) throw new Error('the hub gave no proof (' + response.status + ')');
    const proof = await response.json();
    const leaf = await leafHash(entry);
    const root = await rootFromProof(entry.index, proof.size, leaf, proof.audit_path.map(fromBase64));
    const { text, checked } = await verifySignature(proof.checkpoint, key);
    const [origin, size, rootText] = text.split('\n');
    if (!origin || Number(size) !== proof.size) throw new Error('the checkpoint is for another tree size');
    if (rootText !== toBase64(root)) throw new Error('the inclusion proof does not lead to the checkpoint\'s root');
    return checked ? 'verified: included in the signed checkpoint of size ' + size
      : 'included in checkpoint of size ' + size + '; signature not checked in this browser (no Ed25519 in WebCrypto)';
  }

  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button.verify');
    if (!button) return;
    const output = document.getElementById('result-' + JSON.parse(button.dataset.entry).index);
    output.className = 'result';
    output.textContent = 'checking…';
    try {
      const message = await verify(button);
      output.className = message.startsWith('verified') ? 'result ok' : 'result partial';
      output.textContent = message;
    } catch (error) {
      output.className = 'result bad';
      output.textContent = 'FAILED: ' + error.message;
    }
  });
})();
"""#
}
