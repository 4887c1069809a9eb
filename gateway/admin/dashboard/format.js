// @ts-check
// How numbers, instants, statuses and client kinds read on the page.

import { h } from './dom.js';

/** @typedef {import('../../usage/store/types.js').ClientInfo['kind']} ClientKind */
/** @typedef {'sunset' | 'urgent' | 'soon' | 'later' | 'none'} Urgency */

const numberFormat = new Intl.NumberFormat();
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
export const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
export const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
export const dayHourFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** @param {number} n */
export const fmt = (n) => numberFormat.format(n);

/** @param {number} digits */
const percent = (digits) => new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
const percentWhole = percent(0);
const percentTenths = percent(1);

/**
 * Whole percents, tenths below 10 %, and "< 0.1 %" rather than a misleading 0 for a trickle.
 * @param {number} share
 */
export function formatShare(share) {
  if (share === 0) return percentWhole.format(0);
  if (share < 0.001) return `< ${percentTenths.format(0.001)}`;
  return (share < 0.1 ? percentTenths : percentWhole).format(share);
}

/** @param {string | undefined} iso */
export function formatDate(iso) {
  return iso ? dateFormat.format(new Date(iso)) : '–';
}

/**
 * @param {string} iso
 * @param {number} [now]
 */
export function formatAgo(iso, now = Date.now()) {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}

/**
 * A <time> showing "5 minutes ago", with the full instant as its tooltip.
 * @param {string | undefined} iso
 */
export function timeAgo(iso) {
  if (!iso) return h('span', { className: 'muted', textContent: '–' });
  return h('time', { datetime: iso, title: dateTimeFormat.format(new Date(iso)), textContent: formatAgo(iso) });
}

/**
 * @param {string} text
 * @param {string} kind
 */
export function badge(text, kind) {
  return h('span', { className: `badge badge-${kind}`, textContent: text });
}

/** @param {'active' | 'deprecated' | 'sunset'} status */
export function statusBadge(status) {
  if (status === 'sunset') return badge('sunset', 'sunset');
  if (status === 'deprecated') return badge('deprecated', 'deprecated');
  return badge('active', 'active');
}

/** @type {Record<ClientKind, string>} */
const KIND_NAMES = { header: 'header', 'api-key': 'API key', jwt: 'JWT', 'remote-address': 'IP address' };

/**
 * @param {ClientKind | undefined} kind
 * @param {boolean | undefined} verified
 */
export function kindLabel(kind, verified) {
  const name = (kind && KIND_NAMES[kind]) ?? kind ?? 'client';
  return kind === 'jwt' && verified === false ? `${name}, unverified` : name;
}

/** @param {number | undefined} days */
export function daysText(days) {
  if (days === undefined || days === null) return 'no sunset date';
  if (days > 1) return `in ${fmt(days)} days`;
  if (days === 1) return 'tomorrow';
  if (days === 0) return 'today';
  return `${fmt(-days)} days ago`;
}

/**
 * @param {number | undefined} days
 * @param {'deprecated' | 'sunset'} status
 * @returns {Urgency}
 */
export function urgency(days, status) {
  if (status === 'sunset' || (days !== undefined && days <= 0)) return 'sunset';
  if (days === undefined) return 'none';
  if (days <= 30) return 'urgent';
  if (days <= 90) return 'soon';
  return 'later';
}
