import { z } from 'zod';
import { parseStac } from './parse-stac.js';
import { readStacJson, type StacReadOptions } from './read-stac-json.js';
import { resolveHref } from './resolve-href.js';
import type { Catalog } from './stac-schema.js';

/** How a STAC API can be searched, from its landing page and conformance classes. */
export interface ApiCapabilities {
  searchUrl: string;
  /** POST (the search body as JSON) when the API offers it; GET with query parameters otherwise. */
  method: 'POST' | 'GET';
  /**
   * How a cloud-cover limit reaches the server: a CQL2 JSON `filter` (Filter extension), a `query` object (Query
   * extension), or not at all (the client filters; it always re-checks anyway).
   */
  cloudFilter: 'cql2-json' | 'query' | 'none';
  conformsTo: string[];
}

const ConformanceSchema = z.looseObject({ conformsTo: z.array(z.string()) });

// Conformance URIs carry a version (v1.0.0, v1.0.0-rc.2 ...): match on what follows it.
const has = (classes: string[], suffix: RegExp) => classes.some((c) => suffix.test(c));

/**
 * The search capabilities of a landing page, or null when the document is not a STAC API (no `search` link and no
 * item-search conformance: a static catalogue). Conformance classes come from the landing page's `conformsTo`, or
 * from its `conformance` link (STAC API 1.0 servers may give only the latter).
 */
export async function apiCapabilities(landing: Catalog, location: string, options: StacReadOptions): Promise<ApiCapabilities | null> {
  const searchLinks = landing.links.filter((l) => l.rel === 'search');
  let classes = landing.conformsTo ?? [];
  if (!classes.length) {
    const link = landing.links.find((l) => l.rel === 'conformance');
    if (link) {
      const url = resolveHref(link.href, location);
      classes = parseStac(ConformanceSchema, (await readStacJson(url, options)).value, 'conformance declaration', url).conformsTo;
    }
  }
  const itemSearch = has(classes, /\/item-search\/?$/);
  if (!searchLinks.length && !itemSearch) return null;
  const post = searchLinks.find((l) => (l.method ?? 'POST').toUpperCase() === 'POST');
  const link = post ?? searchLinks[0];
  const searchUrl = link ? resolveHref(link.href, location) : new URL('search', location.endsWith('/') ? location : `${location}/`).href;
  const cql2 = has(classes, /\/item-search#filter$/) && has(classes, /\/cql2-json$/);
  const query = has(classes, /\/item-search#query$/);
  return {
    searchUrl,
    method: link && !post ? 'GET' : 'POST',
    cloudFilter: cql2 ? 'cql2-json' : query ? 'query' : 'none',
    conformsTo: classes,
  };
}
