import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../core/package-root.js';

/** Where `npm run build` (web/build.ts) puts the app: index.html and its assets under app/. */
export const WEB_APP_DIR = path.join(packageRoot(), 'dist', 'web');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/**
 * The page's policy: its own scripts and styles only; data from this origin only (the API), images also from
 * data:/blob: URLs (quicklooks fetched with the token) and from any http(s) host, since the analyst may set an XYZ
 * basemap of their choice; workers from blob: (the GeoTIFF decoder pool). No framing, no forms posted elsewhere.
 */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https: http:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web app at `/` and its assets at `/app/<file>`, from the files the build wrote (read once, served by
 * name from that list, never by path). They carry no data, so they need no token: the page asks for it and sends it
 * with every API call. Without a build, `/` says how to make one.
 */
export function registerWebApp(app: FastifyInstance, dir = WEB_APP_DIR): { isPublic(url: string): boolean } {
  const index = path.join(dir, 'index.html');
  const assets = new Map<string, Buffer>();
  if (existsSync(path.join(dir, 'app'))) {
    for (const name of readdirSync(path.join(dir, 'app'))) if (TYPES[path.extname(name)]) assets.set(name, readFileSync(path.join(dir, 'app', name)));
  }
  const page = existsSync(index) ? readFileSync(index) : null;

  app.get('/', async (_req, reply) => {
    if (!page) return reply.code(503).type('text/plain; charset=utf-8').send('the web app is not built: run `npm run build`');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', WEB_APP_CSP).send(page);
  });
  app.get<{ Params: { name: string } }>('/app/:name', async (req, reply) => {
    const body = assets.get(req.params.name);
    if (!body) return reply.code(404).send({ error: `no file ${req.params.name}` });
    return reply.type(TYPES[path.extname(req.params.name)]).send(body);
  });
  return { isPublic: (url) => url === '/' || url.startsWith('/?') || url.startsWith('/app/') };
}
