import { api, enc, type Facility } from '../api';
import { Card, DateText, Empty, ErrorBox, Field, Loading, PageTitle } from '../components/ui';
import { countryName } from '../countries_lookup';
import { relativeDays, words } from '../format';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

export function FacilityPage({ id }: { id: string }) {
  const fac = useLoad((s) => api.get<Facility>(`/facilities/${enc(id)}`, s), [id]);
  useTitle(fac.data?.name ?? 'Facility');
  if (fac.error) return <><PageTitle>Facility</PageTitle><ErrorBox error={fac.error} onRetry={fac.reload} /></>;
  if (!fac.data) return <Loading />;
  const f = fac.data;
  const place = [f.address, f.city, f.state, f.zip].filter(Boolean).join(', ');
  return (
    <div>
      <PageTitle sub={<>{words(f.kind)}{f.country && <> · {countryName(f.country)}</>}</>}>{f.name}</PageTitle>
      <div class="grid">
        <Card title="Contact and codes" id="facility-info">
          <dl class="kv-list">
            {place && <Field label="Address">{place}</Field>}
            {f.phone && <Field label="Phone">{f.phone}</Field>}
            {f.detloc && <Field label="DETLOC">{f.detloc}</Field>}
            {f.aor && <Field label="ICE field office (AOR)">{f.aor}</Field>}
            {f.note && <Field label="Note">{f.note}</Field>}
          </dl>
        </Card>
        <Card title="Held here now" id="facility-held">
          {!f.held_now?.length && <Empty>No one on record is held here now.</Empty>}
          <ul class="plain-list">
            {(f.held_now ?? []).map((h) => (
              <li key={h.id}>
                <a href={`/people/${h.id}`}>{h.name}</a> since <DateText value={h.since} /> <span class="muted">({relativeDays(h.since)})</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
    </div>
  );
}
