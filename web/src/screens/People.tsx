import { useState } from 'preact/hooks';
import { getAll, type Person } from '../api';
import { Card, Empty, ErrorBox, Loading, PageTitle } from '../components/ui';
import { countryName } from '../countries_lookup';
import { fmtANumber } from '../format';
import { rememberName } from '../names';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

export function People() {
  useTitle('People');
  const people = useLoad((s) => getAll<Person>('people', s), []);
  const [filter, setFilter] = useState('');
  const f = filter.trim().toLowerCase();
  const shown = (people.data ?? []).filter(
    (p) => !f || [p.name, ...(p.other_names ?? []), p.a_number ?? '', fmtANumber(p.a_number)].join(' ').toLowerCase().includes(f),
  );
  return (
    <div>
      <PageTitle>People</PageTitle>
      <div class="actions-bar">
        <a class="button primary" href="/people/new">
          New person
        </a>
      </div>
      <Card title="Everyone on record" id="people-list">
        <div class="form-row inline">
          <label for="people-filter">Filter by name or A-number</label>
          <input id="people-filter" type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </div>
        {people.error && <ErrorBox error={people.error} onRetry={people.reload} />}
        {!people.data && !people.error && <Loading />}
        {people.data && shown.length === 0 && <Empty>No one matches.</Empty>}
        <ul class="plain-list people">
          {shown.map((p) => {
            rememberName(p.id, p.name);
            return (
              <li key={p.id}>
                <a href={`/people/${p.id}`}>{p.name}</a>
                {p.other_names?.length ? <span class="other-names"> {p.other_names.join(' · ')}</span> : null}{' '}
                <span class="muted">
                  {[p.a_number && fmtANumber(p.a_number), p.citizenship?.map(countryName).join(', ')].filter(Boolean).join(' · ')}
                </span>
              </li>
            );
          })}
        </ul>
      </Card>
    </div>
  );
}
