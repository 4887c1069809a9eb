/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: by owner (Verso's own
 * gateway/ code, each npm package, Node internals, GC), the hottest functions by self time, and
 * Verso's functions by inclusive time (their own work plus everything they call).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SPECIAL = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/** Who owns a frame: 'verso gateway/', an npm package name, 'node internals', or a V8 marker. */
export function ownerOf(frame) {
  const { functionName, url } = frame;
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native / builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  if (/\/gateway\//.test(url)) return 'verso gateway/';
  return url.replace(/^file:\/\//, '');
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function shortPath(url) {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm !== -1) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

function frameKey(frame) {
  const file = frame.url ? shortPath(frame.url) : '';
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
}

export function analyse(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self samples per node, from the sample list (hitCount is not always filled in).
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

  let busy = 0;
  let idle = 0;
  const owners = new Map();
  const self = new Map();
  const inclusive = new Map();
  for (const [id, count] of hits) {
    const node = byId.get(id);
    const owner = ownerOf(node.callFrame);
    if (owner === '(idle)') {
      idle += count;
      continue;
    }
    busy += count;
    owners.set(owner, (owners.get(owner) ?? 0) + count);
    const key = frameKey(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + count);
    // Inclusive time of Verso's frames: each distinct gateway/ frame on this sample's stack.
    const seen = new Set();
    for (let n = node; n; n = byId.get(parent.get(n.id))) {
      if (ownerOf(n.callFrame) !== 'verso gateway/') continue;
      const k = frameKey(n.callFrame);
      if (!seen.has(k)) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + count);
      }
    }
  }
  // Samples are taken every `interval` µs on average: busy time = span × busy share.
  const span = (profile.endTime - profile.startTime) / 1e6;
  const busyMicros = span * 1e6 * (busy / (busy + idle));
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([name, n]) => ({ name, share: n / busy, micros: (n / busy) * busyMicros }));
  return { seconds: span, samples: busy + idle, busyShare: busy / (busy + idle), busyMicros, owners: sorted(owners), self: sorted(self), inclusive: sorted(inclusive) };
}

/**
 * `requests`: how many requests the process served while profiled, to turn shares into µs per
 * request (start-up is included, so these slightly overstate; compare cells, not absolutes).
 */
export function profileMarkdown(name, a, top, requests) {
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const per = (o) => (requests ? (o.micros / requests).toFixed(1) : '–');
  const row = (o, code) => `| ${code ? `\`${o.name}\`` : o.name} | ${pct(o.share)} | ${per(o)} |`;
  const lines = [
    `### ${name}`,
    '',
    `${a.samples} samples over ${a.seconds.toFixed(1)} s, ${pct(a.busyShare)} busy${requests ? `, ${requests} requests: ${(a.busyMicros / requests).toFixed(0)} µs of CPU on the main thread per request` : ''}. Shares are of busy samples.`,
    '',
    '| owner | self | µs/req |', '|---|---:|---:|',
    ...a.owners.slice(0, top).map((o) => row(o, false)),
    '',
    '| hottest functions (self) | self | µs/req |', '|---|---:|---:|',
    ...a.self.slice(0, top).map((o) => row(o, true)),
  ];
  if (a.inclusive.length > 0) {
    lines.push('', '| Verso functions (inclusive) | incl. | µs/req |', '|---|---:|---:|', ...a.inclusive.slice(0, top).map((o) => row(o, true)));
  }
  return `${lines.join('\n')}\n`;
}
