import { describe, expect, it } from 'vitest';
import { durationMs, parseDuration, sizeBytes } from '../../gateway/config/units.js';

describe('parseDuration, the one duration parser', () => {
  it('reads a number and a unit, ms to weeks, fractions rounded to a millisecond', () => {
    expect(['250ms', '30s', '15m', '1.5h', '7d', '2w', '0.0005s'].map((t) => parseDuration(t)))
      .toEqual([250, 30_000, 900_000, 5_400_000, 604_800_000, 1_209_600_000, 1]);
  });

  it('keeps to the units and the whole numbers a caller allows', () => {
    const relative = { units: ['m', 'h', 'd', 'w'] as const, whole: true };
    expect(['15m', '90s', '1.5h', '2w'].map((t) => parseDuration(t, relative))).toEqual([900_000, undefined, undefined, 1_209_600_000]);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '7', 'h', '-7d', '7y', '1e3s', '7dd', ' 7d', 'constructor', '1constructor']) {
      expect([bad, parseDuration(bad)]).toEqual([bad, undefined]);
    }
  });

  it('is what the config\'s durations go through', () => {
    expect([durationMs('10s'), durationMs('1.5 m'), durationMs(42)]).toEqual([10_000, 90_000, 42]);
    expect(() => durationMs('2d')).toThrow('not a duration: 2d');
    expect([sizeBytes('1mb'), sizeBytes('1.5 kb'), sizeBytes(7)]).toEqual([1_048_576, 1536, 7]);
  });
});
