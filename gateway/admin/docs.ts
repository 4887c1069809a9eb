/**
 * Generated documentation on the admin listener: each version's OpenAPI document, an HTML
 * reference per version rendered by Swagger UI, and the changelog. Swagger UI is served from
 * node_modules (swagger-ui-dist), never a CDN: the machines that run the gateway may be offline.
 *
 *   GET /openapi                   the documents there are (JSON)
 *   GET /openapi/{version}.json    one version's document (also .yaml); aliases and dates resolve
 *   GET /docs                      302 to the latest version's reference
 *   GET /docs/{version}            the HTML reference
 *   GET /docs/assets/{file}        Swagger UI's files and the page's own script and styles
 *   GET /changelog                 Markdown, or JSON for `Accept: application/json`
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import YAML from 'yaml';
import type { GatewayConfig } from '../config/types.js';
import { problemSender } from '../respond.js';
import { statusAt } from '../lifecycle/lifecycle.js';
import { VersionCatalog } from '../resolve/catalog.js';
import { buildChangelog, changelogJson, changelogMarkdown, formatInstant } from '../translate/generate/changelog.js';
import { versionDocument } from '../translate/generate/openapi-out.js';
import type { Translator } from '../translate/translator.js';

export interface DocsDeps {
  config: GatewayConfig;
  translator?: Translator;
  now?: () => number;
}

/** Files of swagger-ui-dist the page uses, and their types. Nothing else in the package is served. */
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

// The page's own script: no inline script, so the admin listener can run under a strict CSP.
const PAGE_SCRIPT = `// Renders the document named by #swagger-ui's data-url with Swagger UI, served by the gateway.
window.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-url'),
    domNode: root,
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

const PAGE_STYLE = `body { margin: 0; }
.verso-versions { font-family: sans-serif; font-size: 14px; padding: 10px 20px; background: #1b1b1b; color: #ddd; }
.verso-versions a { color: #9ad; margin-right: 14px; text-decoration: none; }
.verso-versions a[aria-current="page"] { color: #fff; font-weight: bold; }
.verso-versions .verso-note { color: #aaa; font-size: 12px; }
.verso-versions .verso-right { float: right; }
`;

const OWN_FILES: Record<string, { type: string; body: string }> = {
  'verso-docs.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  'verso-docs.css': { type: 'text/css; charset=utf-8', body: PAGE_STYLE },
};

function swaggerUiDist(): { dir: string; version: string } | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
    return { dir: dirname(pkg), version: String(JSON.parse(readFileSync(pkg, 'utf8')).version) };
  } catch {
    return undefined;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether `Accept` prefers JSON to Markdown (Markdown wins ties and absent headers). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = 0;
  let markdown = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2)) || 0;
    if (type === 'application/json' || type === 'application/*' || type === '*/*') json = Math.max(json, q);
    if (type === 'text/markdown' || type === 'text/*' || type === '*/*') markdown = Math.max(markdown, q);
  }
  return json > markdown;
}

export function registerDocsRoutes(admin: FastifyInstance, { config, translator, now = Date.now }: DocsDeps): void {
  const catalog = new VersionCatalog(config.versions);
  const sendProblem = problemSender(config.problems.baseUrl);
  const notFound = (reply: FastifyReply, detail: string, extensions: Record<string, unknown> = {}) => sendProblem(reply, 'VERSO_NO_DOCUMENT', detail, extensions);
  const noTranslation = (reply: FastifyReply) => notFound(reply, `${config.file} has no translation section (translation.spec and translation.changes), so there are no generated documents.`);
  /** The canonical id a path segment names, resolved like a request's version. */
  const versionOf = (raw: string) => {
    const lookup = catalog.lookup(raw);
    return lookup.ok ? lookup.version.id : undefined;
  };
  const unknownVersion = (reply: FastifyReply, raw: string) =>
    notFound(reply, `No document for version "${raw}". Supported versions: ${catalog.supported.join(', ')}.`, { supported_versions: catalog.supported });

  // The model never changes while the process runs: render each document once, on first use.
  const rendered = new Map<string, string>();
  const documentText = (version: string, format: 'json' | 'yaml') => {
    const key = `${version} ${format}`;
    let text = rendered.get(key);
    if (text === undefined) {
      const doc = versionDocument(translator!.model, version, { config });
      text = format === 'json' ? JSON.stringify(doc, null, 2) : YAML.stringify(doc, { version: '1.1', blockQuote: 'literal', lineWidth: 0, aliasDuplicateObjects: false });
      rendered.set(key, text);
    }
    return text;
  };

  admin.get('/openapi', async (_request, reply) => {
    if (!translator) return noTranslation(reply);
    const versions = [...config.versions].reverse().map((v) => ({
      version: v.id,
      aliases: v.aliases,
      head: v.id === config.head,
      ...(v.deprecated !== undefined ? { deprecated: formatInstant(v.deprecated) } : {}),
      ...(v.sunset !== undefined ? { sunset: formatInstant(v.sunset) } : {}),
      document: `/openapi/${v.id}.json`,
      reference: `/docs/${v.id}`,
    }));
    return reply.send({ head: config.head, versions });
  });

  admin.get<{ Params: { file: string } }>('/openapi/:file', async (request, reply) => {
    if (!translator) return noTranslation(reply);
    const match = /^(.+)\.(json|yaml)$/.exec(request.params.file);
    if (!match) return notFound(reply, `Ask for /openapi/{version}.json or /openapi/{version}.yaml. Supported versions: ${catalog.supported.join(', ')}.`, { supported_versions: catalog.supported });
    const version = versionOf(match[1]);
    if (!version) return unknownVersion(reply, match[1]);
    const format = match[2] as 'json' | 'yaml';
    return reply
      .type(format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8')
      .header('content-location', `/openapi/${version}.${format}`)
      .send(documentText(version, format));
  });

  admin.get('/docs', async (_request, reply) => reply.redirect(`/docs/${config.head}`, 302));

  const dist = swaggerUiDist();
  const assetQuery = dist ? `?v=${encodeURIComponent(dist.version)}` : '';

  admin.get<{ Params: { version: string } }>('/docs/:version', async (request, reply) => {
    if (!translator) return noTranslation(reply);
    const raw = request.params.version;
    const version = versionOf(raw);
    if (!version) return unknownVersion(reply, raw);
    // One URL per version: an alias or a date redirects to the id it resolves to.
    if (version !== raw) return reply.redirect(`/docs/${version}`, 302);
    return reply.type('text/html; charset=utf-8').send(page(version));
  });

  // Swagger UI's files are sent by @fastify/static (ETag, Last-Modified, HEAD, ranges), registered
  // in a context of its own so its reply.sendFile stays here; only the files listed are served.
  admin.register(async (assets) => {
    if (dist) {
      await assets.register(fastifyStatic, {
        root: dist.dir,
        serve: false,
        index: false,
        cacheControl: false,
        // After @fastify/send's headers: RFC 9239's text/javascript rather than its table's application/javascript.
        setHeaders: (reply, path) => reply.header('content-type', SWAGGER_FILES[basename(path)]),
      });
    }
    assets.get<{ Params: { file: string } }>('/docs/assets/:file', async (request, reply) => {
      const file = request.params.file;
      const own = Object.hasOwn(OWN_FILES, file) ? OWN_FILES[file] : undefined;
      if (own) return reply.type(own.type).header('cache-control', 'no-cache').send(own.body);
      if (!Object.hasOwn(SWAGGER_FILES, file)) return notFound(reply, `No documentation asset "${file}".`);
      if (!dist) {
        return sendProblem(reply, 'VERSO_INTERNAL', 'The HTML reference needs the swagger-ui-dist package; install the gateway\'s dependencies (npm ci).');
      }
      // The page asks for these with ?v=<swagger-ui-dist version>, so a new version is a new URL.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(file);
    });
  });

  function page(version: string): string {
    const title = `${String(translator!.model.docs.get(config.head)?.info?.title ?? 'API')} ${version}`;
    const at = now();
    const links = [...config.versions].reverse().map((v) => {
      const status = statusAt(v, at);
      const state = v.id === config.head ? 'latest' : status === 'active' ? '' : status;
      const current = v.id === version ? ' aria-current="page"' : '';
      return `<a href="${escapeHtml(v.id)}"${current}>${escapeHtml(v.id)}${state ? ` <span class="verso-note">${state}</span>` : ''}</a>`;
    });
    // Relative URLs: the page keeps working when the admin listener sits behind a path prefix.
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — API reference</title>
<link rel="stylesheet" href="assets/swagger-ui.css${assetQuery}">
<link rel="stylesheet" href="assets/verso-docs.css">
<link rel="icon" type="image/png" href="assets/favicon-32x32.png${assetQuery}" sizes="32x32">
</head>
<body>
<nav class="verso-versions">Versions: ${links.join(' ')}<span class="verso-right"><a href="../openapi/${escapeHtml(version)}.json">OpenAPI JSON</a><a href="../changelog">Changelog</a></span></nav>
<div id="swagger-ui" data-url="../openapi/${escapeHtml(version)}.json"></div>
<script src="assets/swagger-ui-bundle.js${assetQuery}"></script>
<script src="assets/verso-docs.js"></script>
</body>
</html>
`;
  }

  let changelog: { markdown: string; json: string } | undefined;
  admin.get('/changelog', async (request, reply) => {
    if (!translator) return noTranslation(reply);
    if (!changelog) {
      const log = buildChangelog(translator.model, config);
      changelog = { markdown: changelogMarkdown(log), json: changelogJson(log) };
    }
    reply.header('vary', 'Accept');
    return prefersJson(request.headers.accept)
      ? reply.type('application/json; charset=utf-8').send(changelog.json)
      : reply.type('text/markdown; charset=utf-8').send(changelog.markdown);
  });
}
