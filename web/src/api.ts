import type { StatisticsRow } from '../../pipeline/statistics/region-statistics.js';

/** The API on this origin, with the bearer token the user typed once (kept for the browser session, never in a URL). */
const TOKEN_KEY = 'satstat.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export const authHeaders = (): Record<string, string> => ({ authorization: `Bearer ${token.get() ?? ''}` });

/** An answer of the API other than 2xx, with its `error` text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the token is refused: the app goes back to the sign-in page. */
let onUnauthorised = () => {};
export function setUnauthorisedHandler(handler: () => void): void {
  onUnauthorised = handler;
}

async function request(route: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const response = await fetch(route, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (response.ok) return response;
  const text = await response.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: the text as it is
  }
  if (response.status === 401) onUnauthorised();
  throw new ApiError(response.status, message || `${response.status} ${response.statusText}`);
}

export async function api<T>(route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await request(route, init);
  return (response.status === 204 ? null : await response.json()) as T;
}

export async function apiBlob(route: string): Promise<Blob> {
  return (await request(route)).blob();
}

/** Checks a token without keeping it. */
export async function tokenWorks(candidate: string): Promise<boolean> {
  const response = await fetch('/jobs?limit=1', { headers: { authorization: `Bearer ${candidate}` } });
  return response.ok;
}

// The API's records, as the app reads them.
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export interface JobStatus {
  id: string;
  name: string;
  state: JobState;
  progress: number;
  stages: { stage: string; done: number; total: number; failed: number }[];
  error: string | null;
  submitted: string;
  scheduleId: string | null;
  results: string[];
}
/** The API's own types: the bundle imports them as types only (no server code reaches the browser). */
export type { CatalogModel, InputCatalog } from '../../pipeline/service/input-catalog.js';
export type { StatisticsRow };
export interface Schedule {
  id: string;
  spec: Record<string, unknown> & { name?: string };
  every: number | null;
  cron: string | null;
  created: number;
}
export interface SeriesPoint extends StatisticsRow {
  job: string;
  fired: string;
  period: string;
}

/** Saves a result file under its name (fetched with the token, handed to the browser as a download). */
export async function download(route: string, filename: string): Promise<void> {
  const url = URL.createObjectURL(await apiBlob(route));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
