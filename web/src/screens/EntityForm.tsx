import { useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, enc, type FieldSpec, type Schema, type Stored } from '../api';
import { clearDraft, loadDraft, saveDraft } from '../components/drafts';
import { CountryDatalist, FormField, toFormValue, toJsonValue, type Values } from '../components/inputs';
import { ErrorBox, Loading, PageTitle } from '../components/ui';
import { fmtANumber, fmtDate } from '../format';
import { navigate } from '../router';
import { fieldLabel, loadSchema } from '../schema';
import { useLoad } from '../session';
import { useTitle } from './Dashboard';

const NOUN: Record<string, string> = { people: 'person', matters: 'matter' };

/** Create or edit a person or a matter, with the fields the server's contract lists. */
export function EntityForm({ collection, id, preset }: { collection: 'people' | 'matters'; id?: string; preset?: Record<string, string> }) {
  const schema = useLoad((s) => loadSchema(s), []);
  const existing = useLoad(
    (s) => (id ? api.get<Stored & Record<string, unknown>>(`/${collection}/${enc(id)}`, s) : Promise.resolve(undefined)),
    [collection, id],
  );
  const title = `${id ? 'Edit' : 'New'} ${NOUN[collection]}`;
  useTitle(title);
  if (schema.error) return <><PageTitle>{title}</PageTitle><ErrorBox error={schema.error} onRetry={schema.reload} /></>;
  if (existing.error) return <><PageTitle>{title}</PageTitle><ErrorBox error={existing.error} onRetry={existing.reload} /></>;
  if (!schema.data || (id && !existing.data)) return <Loading />;
  return <EntityFormBody schema={schema.data} collection={collection} existing={existing.data} preset={preset} title={title} />;
}

function EntityFormBody(props: {
  schema: Schema;
  collection: 'people' | 'matters';
  existing?: Stored & Record<string, unknown>;
  preset?: Record<string, string>;
  title: string;
}) {
  const fields: FieldSpec[] = props.schema.entities[props.collection] ?? [];
  const draftKey = `${props.collection}:${props.existing ? props.existing.id + ':v' + props.existing.version : 'new'}`;
  const initial = useMemo(() => {
    const v: Values = {};
    for (const f of fields) {
      let raw = props.existing ? props.existing[f.name] : props.preset?.[f.name];
      if (f.name === 'a_number' && typeof raw === 'string' && raw) raw = fmtANumber(raw);
      v[f.name] = toFormValue(f, raw);
    }
    return v;
  }, [props.existing]);
  const [restored] = useState(() => loadDraft(draftKey));
  const [values, setValues] = useState<Values>(restored ? { ...initial, ...restored.values } : initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const set = (name: string, v: string | boolean) => {
    const next = { ...values, [name]: v };
    setValues(next);
    saveDraft(draftKey, next);
    if (errors[name]) setErrors({ ...errors, [name]: '' });
  };
  const focus = (name: string) =>
    setTimeout(() => formRef.current?.querySelector<HTMLElement>(`[data-field="${name}"] input, [data-field="${name}"] select, [data-field="${name}"] textarea, [data-field="${name}"] button`)?.focus(), 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    const missing: Record<string, string> = {};
    for (const f of fields) {
      if (f.required && f.kind !== 'bool' && toJsonValue(f, values[f.name]) === undefined) missing[f.name] = `${fieldLabel(f.name)} is required.`;
    }
    if (Object.keys(missing).length) {
      setErrors(missing);
      focus(Object.keys(missing)[0]);
      return;
    }
    const body: Record<string, unknown> = {};
    for (const f of fields) {
      const v = toJsonValue(f, values[f.name]);
      if (v !== undefined) body[f.name] = v;
    }
    setBusy(true);
    try {
      const saved = props.existing
        ? await api.put<Stored>(`/${props.collection}/${enc(props.existing.id)}`, body, props.existing.version)
        : await api.post<Stored>(`/${props.collection}`, body);
      clearDraft(draftKey);
      navigate(`/${props.collection}/${enc(saved.id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.field) {
        const f = err.field.replace(/\[\d+\]$/, '');
        if (fields.some((x) => x.name === f)) {
          setErrors({ [f]: err.message });
          focus(f);
          return;
        }
      }
      setFormError(err);
    } finally {
      setBusy(false);
    }
  };

  const back = props.existing ? `/${props.collection}/${enc(props.existing.id)}` : props.preset?.client ? `/people/${enc(props.preset.client)}` : '/people';
  return (
    <div class="entity-form">
      <PageTitle>{props.title}</PageTitle>
      {restored && (
        <div class="notice" role="status">
          Restored what you typed here before ({fmtDate(restored.saved_at)}), not yet saved.
        </div>
      )}
      <form ref={formRef} onSubmit={submit} noValidate>
        <CountryDatalist />
        {formError !== null && <ErrorBox error={formError} context="Not saved" />}
        <fieldset>
          <legend>{props.collection === 'people' ? 'Who' : 'The matter'}</legend>
          {fields.map((f) => (
            <FormField key={f.name} spec={f} idPrefix="ent" value={values[f.name] ?? ''} error={errors[f.name] || undefined} onChange={(v) => set(f.name, v)} />
          ))}
        </fieldset>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <a class="button" onClick={() => clearDraft(draftKey)} href={back}>
            Cancel
          </a>
        </div>
      </form>
    </div>
  );
}
