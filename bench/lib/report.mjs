/**
 * Turns the rounds into a result: medians per cell, ratios against the bare http-proxy baseline,
 * PASS/FAIL per target, a Markdown table, and results/latest.{json,md}.
 *
 * Ratios are taken per round (both cells measured minutes apart at most, in alternating order)
 * and the median of those is reported, so one noisy moment on a shared 2-core machine does not
 * decide a ratio.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const BASELINE = 'http-proxy';
/**
 * A round measured the proxy itself when it kept its core busy (>= BUSY %) and was seldom kept
 * waiting for it by other processes (< WAITING % of the time runnable but not running).
 */
const BUSY = 85;
const WAITING = 10;

export function median(values) {
  const v = values.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** @param cells [{ name, label, skipped?, rounds: [{ rps, p99Ms, cpuUsPerReq, rssMB, errors }] }] */
export function summarize(cells, targets) {
  const byName = new Map();
  for (const cell of cells) {
    const r = cell.rounds;
    byName.set(cell.name, {
      name: cell.name,
      label: cell.label,
      skipped: cell.skipped,
      cpuBound: cell.cpuBound,
      rounds: r,
      rps: median(r.map((x) => x.rps)),
      p99Ms: median(r.map((x) => x.p99Ms)),
      cpuUsPerReq: median(r.map((x) => x.cpuUsPerReq)),
      rssMB: r.some((x) => x.rssMB !== null) ? Math.max(...r.map((x) => x.rssMB ?? 0)) : null,
      errors: r.reduce((a, x) => a + x.errors, 0),
      usage: cell.usage,
    });
  }
  for (const cell of byName.values()) cell.vsBaseline = roundRatio(byName.get(cell.name), byName.get(BASELINE), 'rps').value;

  // A target on a cell this run did not include (--only) is left out rather than reported n/a.
  const present = (name) => byName.has(name);
  const verdicts = targets.filter((t) => present(t.cell) && (t.kind !== 'ratio' || present(t.of))).map((t) => {
    const cell = byName.get(t.cell);
    let value = cell?.[t.metric] ?? null;
    let clean;
    let noisy = false;
    let cpuImplied;
    if (t.kind === 'ratio') {
      ({ value, clean, noisy } = roundRatio(cell, byName.get(t.of), t.metric));
      // A CPU-bound proxy serves 1 / (CPU per request): the inverse CPU ratio estimates the same
      // throughput ratio and is far less sensitive to other processes sharing the machine.
      if (t.metric === 'rps') cpuImplied = roundRatio(byName.get(t.of), cell, 'cpuUsPerReq').value;
    }
    // Neither min nor max: reported for information, no verdict.
    const info = t.min === undefined && t.max === undefined;
    const pass = value === null || info ? null : t.min !== undefined ? value >= t.min : value < t.max;
    return { ...t, value, clean, noisy, cpuImplied, pass, info, goal: info ? '–' : t.min !== undefined ? `>= ${t.min}` : `< ${t.max}` };
  });
  return { cells: [...byName.values()], targets: verdicts, notes: notes([...byName.values()]) };
}

/** Rounds in which a proxy was not CPU-bound: its throughput then measured something else. */
function notes(cells) {
  const out = [];
  for (const c of cells) {
    c.rounds.forEach((r, i) => {
      if (!isClean(c, r)) {
        out.push(`round ${i + 1}: ${c.name} used ${r.cpuPercent.toFixed(0)}% of its core and waited for it ${(r.runQueuePercent ?? 0).toFixed(0)}% of the time`);
      }
      if (r.errors) out.push(`round ${i + 1}: ${c.name} had ${r.errors} errors or non-2xx responses`);
    });
  }
  return out;
}

/** PASS / FAIL, with "(noisy)" when most rounds were disturbed: then trust CPU-implied. */
export function verdictOf(t) {
  if (t.info) return t.noisy ? 'info (noisy: see CPU-implied)' : 'info';
  if (t.pass === null) return 'n/a';
  return `${t.pass ? 'PASS' : 'FAIL'}${t.noisy ? ' (noisy: see CPU-implied)' : ''}`;
}

/** Whether a round measured the proxy and not the machine (cpuBound false: not expected to be). */
function isClean(cell, round) {
  if (round.cpuPercent === null) return true;
  if ((round.runQueuePercent ?? 0) >= WAITING) return false;
  return cell.cpuBound === false || round.cpuPercent >= BUSY;
}

/**
 * Median over rounds of a.metric / b.metric, the two taken in the same round. For throughput,
 * `clean` counts the rounds in which both measured the proxy; fewer than half makes it `noisy`.
 */
function roundRatio(a, b, metric) {
  if (!a || !b || a.skipped || b.skipped) return { value: null, clean: 0, noisy: false };
  const indexes = a.rounds.map((_, i) => i).filter((i) => b.rounds[i] && b.rounds[i][metric]);
  const clean = indexes.filter((i) => isClean(a, a.rounds[i]) && isClean(b, b.rounds[i])).length;
  return {
    value: median(indexes.map((i) => a.rounds[i][metric] / b.rounds[i][metric])),
    clean,
    noisy: metric === 'rps' && clean * 2 < indexes.length,
  };
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

export function markdown(summary, meta) {
  const lines = [
    `Verso end-to-end benchmark, ${meta.date}`,
    '',
    `${meta.machine}; Node ${meta.node}; ${meta.load}, ${meta.connections} connections, ${meta.seconds} s per cell after ${meta.warmup} s warm-up, ${meta.rounds} round(s), medians; ${meta.pinning}${meta.nice ? `, niceness ${meta.nice}` : ''}; Verso from ${meta.verso}; revision ${meta.revision}.`,
    '',
    '| proxy | req/s | × bare http-proxy | p99 ms | proxy CPU µs/req | max RSS MB |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const c of summary.cells) {
    if (c.skipped) {
      lines.push(`| ${c.label} | skipped: ${c.skipped} | | | | |`);
      continue;
    }
    const errors = c.errors ? ` (${c.errors} errors)` : '';
    lines.push(`| ${c.label} | ${fmt(c.rps)}${errors} | ${fmt(c.vsBaseline, 2)} | ${fmt(c.p99Ms, 2)} | ${fmt(c.cpuUsPerReq, 1)} | ${fmt(c.rssMB, 1)} |`);
  }
  lines.push('', '| target | value | goal | verdict | CPU-implied |', '|---|---:|---:|---|---:|');
  for (const t of summary.targets) {
    const used = t.kind === 'ratio' && t.metric === 'rps' ? ` (${t.clean} of ${meta.rounds} rounds clean)` : '';
    lines.push(`| ${t.label} | ${fmt(t.value, t.kind === 'ratio' ? 3 : 1)}${used} | ${t.goal} | ${verdictOf(t)} | ${t.cpuImplied === undefined ? '' : fmt(t.cpuImplied, 3)} |`);
  }
  lines.push(
    '',
    'Ratios are medians of per-round ratios. A round is clean when both proxies kept their core',
    `>= ${BUSY}% busy and waited for it < ${WAITING}% of the time; with fewer than half clean, the verdict is marked`,
    'noisy. CPU-implied: the same ratio from proxy CPU µs per request (baseline ÷ cell), robust to a busy machine:',
    'a CPU-bound proxy serves 1 / (CPU per request).',
  );
  if (summary.notes.length > 0) lines.push('', 'Noise:', '', ...summary.notes.map((n) => `- ${n}`));
  const stores = summary.cells.filter((c) => c.usage);
  if (stores.length > 0) {
    lines.push('', 'Usage stores after the run (SQLite, read once the gateways had stopped and flushed):', '');
    for (const c of stores) {
      const u = c.usage;
      const what = u.error ? `unreadable: ${u.error}` : `${fmt(u.requests)} requests counted, ${fmt(u.clients)} clients, ${fmt(u.rows)} rows; ${fmt(u.sent)} requests sent (warm-ups included)${u.problem ? ` — WRONG: ${u.problem}` : ''}`;
      lines.push(`- ${c.name} (recording ${u.recording ? 'on' : 'off'}): ${what}`);
    }
  }
  lines.push('', 'Per round, req/s (proxy CPU µs/req, % of its core busy / % waiting for it):', '');
  for (const c of summary.cells) {
    if (c.skipped) continue;
    const rounds = c.rounds.map((r) => fmt(r.rps) + (r.cpuUsPerReq === null ? '' : ` (${fmt(r.cpuUsPerReq, 0)} µs, ${fmt(r.cpuPercent, 0)}% / ${fmt(r.runQueuePercent, 0)}%)`));
    lines.push(`- ${c.name}: ${rounds.join(', ')}`);
  }
  lines.push('', `Command: \`${meta.command}\``);
  return `${lines.join('\n')}\n`;
}

export function writeResults(base, summary, meta, md) {
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.json`, `${JSON.stringify({ meta, ...summary }, null, 2)}\n`);
  writeFileSync(`${base}.md`, md);
}
