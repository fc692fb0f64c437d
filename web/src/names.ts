// Names of the objects events refer to, fetched once per id and shared.
import { api, enc } from './api';

const cache = new Map<string, Promise<string>>();
const known = new Map<string, string>();

const COLLECTION: Record<string, string> = {
  per: 'people',
  org: 'organizations',
  fac: 'facilities',
  mat: 'matters',
  evt: 'events',
};

export function collectionOf(id: string): string | undefined {
  return COLLECTION[id.slice(0, 3)];
}

/** The page for an object, when the UI has one. */
export function hrefOf(id: string): string | undefined {
  const c = collectionOf(id);
  if (c === 'organizations' || !c) return undefined;
  return `/${c}/${enc(id)}`;
}

export function rememberName(id: string, name: string): void {
  known.set(id, name);
  cache.set(id, Promise.resolve(name));
}

export function knownName(id: string): string | undefined {
  return known.get(id);
}

export function nameOf(id: string): Promise<string> {
  let p = cache.get(id);
  if (!p) {
    const c = collectionOf(id);
    if (!c) return Promise.resolve(id);
    p = api
      .get<{ name?: string; title?: string; type?: string }>(`/${c}/${enc(id)}`)
      .then((o) => {
        const n = o.name ?? o.title ?? o.type ?? id;
        known.set(id, n);
        return n;
      })
      .catch(() => {
        cache.delete(id);
        return id;
      });
    cache.set(id, p);
  }
  return p;
}
