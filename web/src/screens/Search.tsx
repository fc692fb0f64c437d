import { useEffect, useState } from 'preact/hooks';
import { api, enc, type SearchResult } from '../api';
import { Empty, ErrorBox, Loading, PageTitle } from '../components/ui';
import { fmtANumber, words } from '../format';
import { hrefOf, rememberName } from '../names';
import { navigate } from '../router';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

const KINDS = [
  ['', 'Everything'],
  ['person', 'People'],
  ['matter', 'Matters'],
  ['event', 'Events and notes'],
  ['organization', 'Organizations'],
  ['facility', 'Facilities'],
];

export function SearchPage({ query }: { query: URLSearchParams }) {
  const q = query.get('q') ?? '';
  const kind = query.get('kind') ?? '';
  const [text, setText] = useState(q);
  const [k, setK] = useState(kind);
  useEffect(() => setText(q), [q]);
  useTitle(q ? `Search: ${q}` : 'Search');
  const results = useLoad(
    (s) => (q.trim() ? api.get<{ results: SearchResult[] }>(`/search?q=${enc(q)}${kind ? `&kind=${kind}` : ''}&limit=100`, s) : Promise.resolve(undefined)),
    [q, kind],
  );
  const go = (e: Event) => {
    e.preventDefault();
    const params = new URLSearchParams();
    if (text.trim()) params.set('q', text.trim());
    if (k) params.set('kind', k);
    navigate('/search?' + params.toString());
  };
  const list = results.data?.results ?? [];
  return (
    <div>
      <PageTitle sub="People by any of their names in any script (温浩 too) or A-number; matters by title; events by note, place and quote.">
        Search
      </PageTitle>
      <form class="search-form card" role="search" onSubmit={go}>
        <div class="form-row">
          <label for="search-q">Search for</label>
          <input id="search-q" type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </div>
        <div class="form-row">
          <label for="search-kind">In</label>
          <select id="search-kind" value={k} onChange={(e) => setK((e.target as HTMLSelectElement).value)}>
            {KINDS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {results.error && <ErrorBox error={results.error} onRetry={results.reload} />}
      {results.loading && q && <Loading label="Searching…" />}
      {results.data && !results.loading && (
        <section aria-labelledby="results-h" class="card">
          <h2 id="results-h">
            {list.length === 0 ? 'No results' : list.length === 1 ? '1 result' : `${list.length} results`} for “{q}”
          </h2>
          {list.length === 0 && <Empty>Nothing matches every word. Try fewer words, or another spelling.</Empty>}
          <ul class="results" data-testid="search-results">
            {list.map((r) => {
              if (r.kind !== 'event') rememberName(r.id, r.label);
              const href = hrefOf(r.id);
              return (
                <li key={r.id}>
                  <span class="badge badge-kind">{words(r.kind)}</span> {href ? <a href={href}>{r.label}</a> : <span>{r.label}</span>}
                  {r.other_names?.length ? <span class="other-names"> {r.other_names.join(' · ')}</span> : null}
                  {r.a_number && <span class="muted"> {fmtANumber(r.a_number)}</span>}
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </div>
  );
}
