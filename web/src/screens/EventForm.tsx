import { useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, enc, getAll, type EventRec, type Evidence, type FieldSpec, type Matter, type Schema } from '../api';
import { clearDraft, loadDraft, saveDraft } from '../components/drafts';
import { CountryDatalist, FormField, toFormValue, toJsonValue, type Values } from '../components/inputs';
import { ErrorBox, Loading, PageTitle, RefName } from '../components/ui';
import { typeLabel } from '../events';
import { fmtDate } from '../format';
import { navigate } from '../router';
import { loadSchema, fieldLabel } from '../schema';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

/** "citizenship[1]" -> "citizenship". */
function baseField(f: string): string {
  return f.replace(/\[\d+\]$/, '');
}

/**
 * New event, or a correction of one (with ?id). The fields come from the
 * contract the server publishes, so every type gets exactly its own fields.
 */
export function EventForm({ id, query }: { id?: string; query: URLSearchParams }) {
  const schema = useLoad((s) => loadSchema(s), []);
  const existing = useLoad((s) => (id ? api.get<EventRec>(`/events/${enc(id)}`, s) : Promise.resolve(undefined)), [id]);
  useTitle(id ? 'Correct event' : 'New event');
  if (schema.error) return <><PageTitle>{id ? 'Correct event' : 'New event'}</PageTitle><ErrorBox error={schema.error} onRetry={schema.reload} /></>;
  if (existing.error) return <><PageTitle>Correct event</PageTitle><ErrorBox error={existing.error} onRetry={existing.reload} /></>;
  if (!schema.data || (id && !existing.data)) return <Loading />;
  return <EventFormBody schema={schema.data} existing={existing.data} query={query} />;
}

function EventFormBody({ schema, existing, query }: { schema: Schema; existing?: EventRec; query: URLSearchParams }) {
  const draftKey = existing ? `event:${existing.id}:v${existing.version}` : `event:new:${query.get('subject') ?? ''}`;
  const initial = useMemo((): Values => {
    if (existing) {
      const v: Values = { type: existing.type };
      const spec = schema.events.find((t) => t.type === existing.type);
      for (const f of [...schema.event_common, ...(spec?.fields ?? [])]) v[f.name] = toFormValue(f, existing[f.name]);
      return v;
    }
    return {
      type: query.get('type') ?? '',
      subject: query.get('subject') ?? '',
      matter: query.get('matter') ?? '',
      date: '',
      note: '',
    };
  }, [existing, schema]);
  const [restored] = useState(() => loadDraft(draftKey));
  const [values, setValues] = useState<Values>(restored ? { ...initial, ...restored.values } : initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [showRestored, setShowRestored] = useState(!!restored);
  const formRef = useRef<HTMLFormElement>(null);

  const type = String(values.type ?? '');
  const typeSpec = schema.events.find((t) => t.type === type);
  const fields: FieldSpec[] = typeSpec ? typeSpec.fields : [];
  const subject = String(values.subject ?? '');
  const matters = useLoad(
    async (s) => (subject ? (await getAll<Matter>('matters', s)).filter((m) => m.client === subject) : []),
    [subject],
  );

  // The person's files in the evidence vault, for fields that cite one; when the
  // vault cannot be read the id is typed instead.
  const evidence = useLoad(
    async (s) => (subject && fields.some((f) => f.ref === 'evidence') ? (await api.get<{ items: Evidence[] }>(`/evidence?subject=${enc(subject)}&limit=200`, s)).items : []),
    [subject, type],
  );
  const evidenceOptions = evidence.data?.length
    ? evidence.data.map((x) => ({ value: x.id, label: `${x.title || x.filename || x.id} (${x.media_type})` }))
    : undefined;

  const set = (name: string, v: string | boolean) => {
    const next = { ...values, [name]: v };
    setValues(next);
    saveDraft(draftKey, next);
    if (errors[name]) {
      const e = { ...errors };
      delete e[name];
      setErrors(e);
    }
  };

  const focusField = (name: string) => {
    setTimeout(() => {
      const el = formRef.current?.querySelector<HTMLElement>(`[data-field="${name}"] input, [data-field="${name}"] select, [data-field="${name}"] textarea, [data-field="${name}"] button`);
      el?.focus();
    }, 0);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    const all = [...schema.event_common, ...fields];
    const missing: Record<string, string> = {};
    if (!type) missing.type = 'Choose what kind of event this is.';
    for (const f of all) {
      if (f.required && f.kind !== 'bool' && toJsonValue(f, values[f.name]) === undefined) {
        missing[f.name] = `${fieldLabel(f.name)} is required.`;
      }
    }
    if (Object.keys(missing).length) {
      setErrors(missing);
      focusField(Object.keys(missing)[0]);
      return;
    }
    const body: Record<string, unknown> = { type };
    for (const f of all) {
      const v = toJsonValue(f, values[f.name]);
      if (v !== undefined) body[f.name] = v;
    }
    setBusy(true);
    try {
      const saved = existing
        ? await api.put<EventRec>(`/events/${enc(existing.id)}`, body, existing.version)
        : await api.post<EventRec>('/events', body);
      clearDraft(draftKey);
      navigate(existing ? `/events/${saved.id}` : `/people/${enc(saved.subject)}#evt-${saved.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.field) {
        const f = baseField(err.field);
        if (f === 'type' || all.some((x) => x.name === f)) {
          setErrors({ [f]: err.message });
          focusField(f);
          return;
        }
      }
      setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = existing ? `Correct: ${typeLabel(existing.type)} of ${fmtDate(existing.date)}` : 'New event';
  return (
    <div class="event-form">
      <PageTitle sub={existing ? <>The previous version stays in the event's history.</> : <>Record what happened; deadlines and views follow from it.</>}>
        {title}
      </PageTitle>
      {showRestored && (
        <div class="notice" role="status">
          Restored what you typed here before ({fmtDate(restored!.saved_at)}), not yet saved.{' '}
          <button
            type="button"
            class="link-button"
            onClick={() => {
              clearDraft(draftKey);
              setValues(initial);
              setShowRestored(false);
            }}
          >
            Discard it
          </button>
        </div>
      )}
      <form ref={formRef} onSubmit={submit} noValidate aria-describedby={formError ? 'event-form-error' : undefined}>
        <CountryDatalist />
        {formError !== null && (
          <div id="event-form-error">
            <ErrorBox error={formError} context={formError instanceof ApiError && formError.status === 409 ? undefined : 'Not saved'} />
            {formError instanceof ApiError && formError.status === 409 && existing && (
              <p>
                <a href={`/events/${existing.id}`}>Open the current version</a> to see what changed; your text stays here.
              </p>
            )}
          </div>
        )}
        <fieldset>
          <legend>What and when</legend>
          <div class={'form-row' + (errors.type ? ' has-error' : '')} data-field="type">
            <label for="ev-type">
              Type of event <span class="required">(required)</span>
            </label>
            <select
              id="ev-type"
              name="type"
              value={type}
              aria-invalid={errors.type ? true : undefined}
              aria-describedby={errors.type ? 'ev-type-err' : undefined}
              onChange={(e) => set('type', (e.target as HTMLSelectElement).value)}
            >
              <option value="">Choose…</option>
              {schema.events.map((t) => (
                <option key={t.type} value={t.type}>
                  {typeLabel(t.type)}
                </option>
              ))}
            </select>
            {errors.type && (
              <p class="field-error" id="ev-type-err">
                {errors.type}
              </p>
            )}
          </div>
          {schema.event_common
            .filter((f) => f.name !== 'note')
            .map((f) =>
              f.name === 'matter' ? (
                <FormField
                  key={f.name}
                  spec={f}
                  idPrefix="ev"
                  value={values.matter ?? ''}
                  error={errors.matter}
                  onChange={(v) => set('matter', v)}
                  options={(matters.data ?? []).map((m) => ({ value: m.id, label: m.title ?? m.id }))}
                />
              ) : (
                <FormField key={f.name} spec={f} idPrefix="ev" value={values[f.name] ?? ''} error={errors[f.name]} onChange={(v) => set(f.name, v)} />
              ),
            )}
          {subject && matters.error && <ErrorBox error={matters.error} onRetry={matters.reload} context="The person's matters could not be loaded" />}
        </fieldset>
        {typeSpec && fields.length > 0 && (
          <fieldset>
            <legend>{typeLabel(type)}: details</legend>
            {fields.map((f) => (
              <FormField
                key={type + f.name}
                spec={f}
                idPrefix="ev"
                value={values[f.name] ?? toFormValue(f, undefined)}
                error={errors[f.name]}
                onChange={(v) => set(f.name, v)}
                options={f.ref === 'evidence' ? evidenceOptions : undefined}
              />
            ))}
          </fieldset>
        )}
        <fieldset>
          <legend>Note</legend>
          <FormField
            spec={schema.event_common.find((f) => f.name === 'note') ?? { name: 'note', kind: 'text', required: false }}
            idPrefix="ev"
            label="What happened, in a sentence or two"
            value={values.note ?? ''}
            error={errors.note}
            onChange={(v) => set('note', v)}
          />
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : existing ? 'Save correction' : 'Save event'}
          </button>
          <a class="button" onClick={() => clearDraft(draftKey)} href={existing ? `/events/${existing.id}` : subject ? `/people/${enc(subject)}` : '/'}>
            Cancel
          </a>
          {subject && !existing && (
            <span class="muted">
              For <RefName id={subject} />
            </span>
          )}
        </div>
      </form>
    </div>
  );
}

