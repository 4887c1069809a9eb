// @ts-check
// Small DOM helpers. Client ids, labels and operation keys come from requests anyone can send:
// every string from the API goes into the page through textContent or an attribute, never
// parsed as markup.

/** @typedef {Node | string | number | null | undefined | false} Leaf */
/** @typedef {Leaf | Leaf[]} Child */

/**
 * The element `selector` names; with `type`, checked to be one (an input, a dialog, a canvas).
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {{ new (): T, prototype: T }} [type]
 * @returns {T}
 */
export function $(selector, type) {
  const el = document.querySelector(selector);
  if (!el || !(el instanceof (type ?? HTMLElement))) throw new Error(`The page has no ${type?.name ?? 'element'} ${selector}.`);
  return /** @type {T} */ (el);
}

/** Properties set as attributes rather than as element properties. */
const ATTRIBUTES = new Set(['role', 'scope', 'datetime']);

/**
 * Build an element. `props` sets properties (className, textContent, href, title, …) or, for
 * keys starting with `data-`/`aria-`, attributes. Children are nodes or strings (text nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('data-') || key.startsWith('aria-') || ATTRIBUTES.has(key)) el.setAttribute(key, String(value));
    else Object.assign(el, { [key]: value });
  }
  append(el, children);
  return el;
}

/**
 * @template {Element} E
 * @param {E} el
 * @param {Child[]} children
 * @returns {E}
 */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/**
 * @param {string} selector
 * @param {string} text
 */
export function setText(selector, text) {
  $(selector).textContent = text;
}
