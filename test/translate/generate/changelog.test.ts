import { describe, expect, it } from 'vitest';
import { buildChangelog, changelogMarkdown, formatInstant } from '../../../gateway/translate/generate/changelog.js';
import { demo } from '../../helpers/demo-model.js';

describe('buildChangelog', () => {
  it('lists versions and changes without lifecycle facts when no config is given', async () => {
    const { translator } = await demo();
    const log = buildChangelog(translator.model);
    expect(log.versions[3]).toEqual({ version: '2023-06-01', aliases: [], head: false, changes: [] });
    expect(changelogMarkdown(log)).toContain('\n## 2024-01-01\n\n- Order.created (unix seconds) is replaced by created_at, an ISO 8601 date-time. (`2024-01-01/order-created-at`)\n');
  });

  it('writes midnight UTC as a date and other instants as date-times', () => {
    expect(formatInstant(Date.parse('2025-06-01T00:00:00Z'))).toBe('2025-06-01');
    expect(formatInstant(Date.parse('2027-01-15T14:00:00Z'))).toBe('2027-01-15T14:00:00Z');
    expect(formatInstant(Date.parse('2027-01-15T14:00:00.250Z'))).toBe('2027-01-15T14:00:00.250Z');
  });
});
