// The one place the UI talks to the server. Every failure becomes an ApiError
// with a message a person can read; 401 also tells the session layer, which asks
// the user to sign in again without leaving the screen (so typed text stays).

export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
  get isNetwork(): boolean {
    return this.code === 'network';
  }
}

type Listener = () => void;
const unauthenticatedListeners = new Set<Listener>();
/** Called whenever a request is refused for want of a session. */
export function onUnauthenticated(fn: Listener): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

// The session's CSRF token, given at login and sent with every write that the
// session cookie authorizes. Kept in localStorage so a reload or a second tab
// of the same session can still write; it is no secret from this origin's own
// scripts, only from other sites.
const CSRF_KEY = 'refuge-csrf';
let memoryCsrf = '';
export function setCsrfToken(token: string | undefined): void {
  if (!token) return;
  memoryCsrf = token;
  try {
    localStorage.setItem(CSRF_KEY, token);
  } catch {
    // storage disabled: this tab keeps it in memory
  }
}
export function clearCsrfToken(): void {
  memoryCsrf = '';
  try {
    localStorage.removeItem(CSRF_KEY);
  } catch {
    // storage disabled: nothing stored
  }
}
function csrfToken(): string {
  try {
    return localStorage.getItem(CSRF_KEY) ?? memoryCsrf;
  } catch {
    return memoryCsrf;
  }
}

const FRIENDLY: Record<number, string> = {
  401: 'Your session has ended. Sign in again.',
  403: 'You are not allowed to do this.',
  404: 'Not found.',
  409: 'Someone changed this since you opened it.',
  413: 'This is larger than the server accepts.',
  500: 'The server failed; nothing was saved.',
  503: 'The server cannot reach its storage; nothing was saved.',
};

export interface RequestOptions {
  body?: unknown;
  ifMatch?: number;
  /** Do not raise the "sign in again" dialog on 401 (the login form itself). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.ifMatch !== undefined) headers['If-Match'] = `"${opts.ifMatch}"`;
  const csrf = csrfToken();
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(
      0,
      'network',
      'Cannot reach the Refuge server. Check the connection and try again; nothing you typed is lost.',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: ErrorBody } | undefined)?.error;
    const message = err?.message
      ? sentence(err.message)
      : FRIENDLY[res.status] ?? `The server answered ${res.status} ${res.statusText}.`;
    const e = new ApiError(res.status, err?.code ?? 'http_' + res.status, message, err?.field);
    // A write refused for want of the CSRF token needs a fresh sign-in too.
    const sessionLost = res.status === 401 || (res.status === 403 && e.field === 'X-CSRF-Token');
    if (sessionLost && !opts.quiet401) unauthenticatedListeners.forEach((fn) => fn());
    throw e;
  }
  if (json === undefined) {
    throw new ApiError(res.status, 'malformed_response', 'The server sent an answer Refuge cannot read.');
  }
  return json as T;
}

/** What a download answers: the file, the name the server gave it, and its headers. */
export interface Download {
  blob: Blob;
  filename: string;
  headers: Headers;
}

/** The file name of a Content-Disposition header (RFC 6266: filename* first). */
export function dispositionFilename(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // a malformed encoding: use the plain name
    }
  }
  const plain = /filename="([^"]*)"/i.exec(header);
  return plain?.[1] || fallback;
}

/**
 * A write whose answer is a file (a bag archive) rather than JSON. Errors are
 * the API's JSON errors, as for `request`; the file is held in memory.
 */
export async function requestFile(method: string, path: string, body: unknown, fallbackName: string): Promise<Download> {
  const headers: Record<string, string> = { Accept: 'application/x-tar, application/json', 'Content-Type': 'application/json' };
  const csrf = csrfToken();
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Refuge server. Check the connection and try again.');
  }
  if (!res.ok) {
    let err: ErrorBody | undefined;
    try {
      err = ((await res.json()) as { error?: ErrorBody }).error;
    } catch {
      err = undefined;
    }
    const e = new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ? sentence(err.message) : FRIENDLY[res.status] ?? `The server answered ${res.status}.`, err?.field);
    if (res.status === 401 || (res.status === 403 && e.field === 'X-CSRF-Token')) unauthenticatedListeners.forEach((fn) => fn());
    throw e;
  }
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch {
    throw new ApiError(0, 'network', 'The connection was lost during the download; try again.');
  }
  return { blob, filename: dispositionFilename(res.headers.get('Content-Disposition'), fallbackName), headers: res.headers };
}

function sentence(s: string): string {
  // A leading machine code ("totp_required: give the code…") is for programs.
  const t = s.trim().replace(/^[a-z]+(?:_[a-z]+)+: /, '');
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(first) ? first : first + '.';
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown, ifMatch?: number) => request<T>('POST', path, { body, ifMatch }),
  put: <T>(path: string, body: unknown, ifMatch?: number) => request<T>('PUT', path, { body, ifMatch }),
  patch: <T>(path: string, body: unknown, ifMatch?: number) => request<T>('PATCH', path, { body, ifMatch }),
  del: <T>(path: string, body?: unknown) => request<T>('DELETE', path, { body }),
};

/**
 * Sends a file as the request body (the evidence upload), reporting progress.
 * XMLHttpRequest, because fetch cannot report upload progress; the file is
 * streamed from disk by the browser, so its size does not matter here.
 */
export function uploadFile<T>(path: string, file: File, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1' + path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    const csrf = csrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () =>
      reject(new ApiError(0, 'network', 'The connection was lost during the upload; nothing was stored. Try again.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    xhr.onload = () => {
      let json: unknown;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        json = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && json !== undefined) return resolve(json as T);
      const err = (json as { error?: ErrorBody } | undefined)?.error;
      const e = new ApiError(
        xhr.status,
        err?.code ?? 'http_' + xhr.status,
        err?.message ? sentence(err.message) : FRIENDLY[xhr.status] ?? `The server answered ${xhr.status}.`,
        err?.field,
      );
      if (xhr.status === 401 || (xhr.status === 403 && e.field === 'X-CSRF-Token')) unauthenticatedListeners.forEach((fn) => fn());
      reject(e);
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** Every item of a paged collection (follows "next" cursors). */
export async function getAll<T>(collection: string, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = '';
  for (let i = 0; i < 100 && after !== null; i++) {
    const q: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const page: Page<T> = await api.get<Page<T>>(`/${collection}?limit=1000${q}`, signal);
    out.push(...page.items);
    after = page.next;
  }
  return out;
}

export const enc = encodeURIComponent;

// --- wire types (docs/api.md) ---

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Me {
  username: string;
  role: string;
  csrf_token?: string;
  [k: string]: unknown;
}

export interface Stored {
  id: string;
  version: number;
  created_at?: string;
  updated_at?: string;
  created_by?: string;
  updated_by?: string;
}

export interface Person extends Stored {
  name: string;
  other_names?: string[];
  a_number?: string;
  birth_date?: string;
  country_of_birth?: string;
  citizenship?: string[];
  languages?: string[];
  protected?: boolean;
  note?: string;
  /** Only named by an event on the user's matters: id and name, no file. */
  named_only?: boolean;
  masked?: boolean;
}

export interface Matter extends Stored {
  client: string;
  kind?: string;
  title?: string;
  status?: string;
  team?: string[];
  note?: string;
}

export interface Facility extends Stored {
  name: string;
  kind?: string;
  address?: string;
  city?: string;
  state?: string;
  zip?: string;
  country?: string;
  detloc?: string;
  aor?: string;
  phone?: string;
  lat?: number;
  lon?: number;
  note?: string;
  held_now?: { id: string; name: string; since: string }[];
  [k: string]: unknown;
}

export interface EventRec extends Stored {
  type: string;
  subject: string;
  date: string;
  matter?: string;
  note?: string;
  retracted?: boolean;
  [k: string]: unknown;
}

export interface CustodyFacility {
  id: string;
  name: string;
  detloc?: string;
  aor?: string;
  phone?: string;
  state?: string;
  city?: string;
}

export interface CustodySpan {
  facility: CustodyFacility | null;
  from: string;
  to?: string | null;
  began_by: string;
  ended_by?: string | null;
  release_reason?: string | null;
  start_event: string;
  end_event?: string | null;
}

/** What a view rests on: advocates see only what lawyers shared with them. */
export type Basis = 'shared_events' | 'visible_events' | 'all_events';

export interface Custody {
  person: string;
  /** "unknown" when no detention, transfer or release is on record. */
  status: 'in_custody' | 'not_in_custody' | 'unknown';
  in_custody: boolean | null;
  based_on?: Basis;
  since: string | null;
  release_reason?: string | null;
  facility: CustodyFacility | null;
  history: CustodySpan[];
}

export interface JourneyLeg {
  from_country?: string | null;
  to_country?: string | null;
  departed?: string | null;
  arrived?: string | null;
  mode?: string | null;
  from_place?: string | null;
  to_place?: string | null;
  manner?: string | null;
  departure_event?: string | null;
  arrival_event?: string | null;
}

export interface Journey {
  legs: JourneyLeg[];
  countries: string[];
  last_us_arrival?: string | null;
  last_us_arrival_event?: string | null;
}

export interface Deadline {
  rule: string;
  title: string;
  due: string;
  citation: string;
  trigger_event: string;
  matter?: string;
  subject?: string;
  status: 'open' | 'met' | 'missed' | 'superseded';
  approximate: boolean;
  steps: string[];
  other_readings: { due: string; why: string }[];
  satisfied_by?: string;
  as_of?: string;
  client_name?: string;
  matter_title?: string;
}

export interface SearchResult {
  kind: string;
  id: string;
  label: string;
  other_names?: string[];
  a_number?: string;
  [k: string]: unknown;
}

export interface FieldSpec {
  name: string;
  kind: string;
  required: boolean;
  values?: string[];
  ref?: string;
}

export interface Schema {
  event_common: FieldSpec[];
  events: { type: string; fields: FieldSpec[] }[];
  entities: Record<string, FieldSpec[]>;
}

export interface Evidence {
  id: string;
  subject: string;
  matter?: string;
  parent?: string;
  size: number;
  media_type: string;
  created_at: string;
  created_by?: string;
  sha256?: string;
  filename?: string;
  title?: string;
  source_url?: string;
  captured?: string;
  note?: string;
  metadata?: Record<string, unknown>;
  derivation?: Record<string, unknown>;
  events?: { id: string; type: string; date: string }[];
  derivatives?: string[];
  custody?: { entries: number; head: string };
}

export interface CustodyEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  hash: string;
  prev: string;
}
