import { useEffect, useRef, useState } from 'preact/hooks';
import { api, enc, type FieldSpec, type Page, type Facility, type SearchResult } from '../api';
import { COUNTRIES } from '../countries_lookup';
import { fieldHint, fieldLabel } from '../schema';
import { RefName } from './ui';
import { knownName, rememberName } from '../names';
import { words } from '../format';

export type Values = Record<string, string | boolean>;

/** Form text for a stored value. */
export function toFormValue(f: FieldSpec, v: unknown): string | boolean {
  if (v === undefined || v === null) return f.kind === 'bool' && f.required ? false : '';
  if (f.kind === 'bool') return f.required ? Boolean(v) : v ? 'true' : 'false';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** The JSON value for a form value; undefined when the field is left empty. */
export function toJsonValue(f: FieldSpec, v: string | boolean | undefined): unknown {
  if (v === undefined) return undefined;
  if (f.kind === 'bool') {
    if (typeof v === 'boolean') return v;
    return v === '' ? undefined : v === 'true';
  }
  const s = String(v).trim();
  if (s === '') return undefined;
  if (f.kind === 'number') {
    const n = Number(s.replace(/[,$\s]/g, ''));
    return Number.isFinite(n) ? n : s; // the server names the field if it is not a number
  }
  if (f.kind.endsWith('_list')) {
    return s
      .split(/[,\n]/)
      .map((x) => x.trim())
      .filter(Boolean);
  }
  return s;
}

const COUNTRY_LIST_ID = 'refuge-countries';
export function CountryDatalist() {
  return (
    <datalist id={COUNTRY_LIST_ID}>
      {COUNTRIES.map(([code, name]) => (
        <option key={code} value={code}>
          {name}
        </option>
      ))}
    </datalist>
  );
}

interface FieldProps {
  spec: FieldSpec;
  idPrefix: string;
  value: string | boolean;
  error?: string;
  onChange: (v: string | boolean) => void;
  label?: string;
  options?: { value: string; label: string }[];
}

/** One labelled control for a field of the contract, its hint and its error. */
export function FormField({ spec, idPrefix, value, error, onChange, label, options }: FieldProps) {
  const id = `${idPrefix}-${spec.name}`;
  const hint = fieldHint(spec);
  const describedBy = [hint ? id + '-hint' : '', error ? id + '-err' : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: spec.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': spec.required ? true : undefined,
  };
  const text = (e: Event) => onChange((e.target as HTMLInputElement).value);
  let control;
  if (options) {
    control = (
      <select {...common} value={String(value)} onChange={text}>
        <option value="">{spec.required ? 'Choose…' : 'None'}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === 'enum') {
    control = (
      <select {...common} value={String(value)} onChange={text}>
        <option value="">{spec.required ? 'Choose…' : 'Not known'}</option>
        {(spec.values ?? []).map((v) => (
          <option key={v} value={v}>
            {words(v)}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === 'bool' && spec.required) {
    control = <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />;
  } else if (spec.kind === 'bool') {
    control = (
      <select {...common} value={String(value)} onChange={text}>
        <option value="">Not known</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    );
  } else if (spec.kind === 'ref') {
    control = <RefPicker {...common} target={spec.ref ?? ''} value={String(value)} onChange={(v) => onChange(v)} label={label ?? fieldLabel(spec.name)} />;
  } else if (spec.name === 'note' || spec.name === 'quote' || spec.name === 'conditions' || spec.name === 'charges') {
    control = <textarea {...common} rows={spec.name === 'note' ? 4 : 2} value={String(value)} onInput={text} />;
  } else {
    control = (
      <input
        {...common}
        type={spec.kind === 'url' ? 'url' : 'text'}
        inputMode={spec.kind === 'number' ? 'decimal' : undefined}
        list={spec.kind === 'country' ? COUNTRY_LIST_ID : undefined}
        autocomplete="off"
        spellcheck={spec.kind === 'text' || spec.kind === 'text_list'}
        value={String(value)}
        onInput={text}
      />
    );
  }
  const isCheckbox = spec.kind === 'bool' && spec.required;
  return (
    <div class={'form-row' + (error ? ' has-error' : '') + (isCheckbox ? ' form-row-check' : '')} data-field={spec.name}>
      {isCheckbox && control}
      <label for={id}>
        {label ?? fieldLabel(spec.name)}
        {spec.required && !isCheckbox && <span class="required"> (required)</span>}
      </label>
      {hint && (
        <p class="hint" id={id + '-hint'}>
          {hint}
        </p>
      )}
      {!isCheckbox && control}
      {error && (
        <p class="field-error" id={id + '-err'}>
          {error}
        </p>
      )}
    </div>
  );
}

interface Option {
  id: string;
  label: string;
  detail?: string;
}

const KINDS: Record<string, string[]> = {
  person: ['person'],
  organization: ['organization'],
  matter: ['matter'],
  facility: ['facility'],
  party: ['person', 'organization', 'facility'],
  event: ['event'],
};

async function findOptions(target: string, q: string, signal: AbortSignal): Promise<Option[]> {
  if (target === 'facility') {
    const page = await api.get<Page<Facility>>(`/facilities?q=${enc(q)}&limit=20`, signal);
    return page.items.map((f) => ({
      id: f.id,
      label: f.name,
      detail: [f.city, f.state, f.detloc].filter(Boolean).join(', '),
    }));
  }
  const kinds = KINDS[target] ?? [];
  const kindParam = kinds.length === 1 ? `&kind=${kinds[0]}` : '';
  const res = await api.get<{ results: SearchResult[] }>(`/search?q=${enc(q)}${kindParam}&limit=20`, signal);
  return res.results
    .filter((r) => kinds.length === 0 || kinds.includes(r.kind))
    .map((r) => ({
      id: r.id,
      label: r.label,
      detail: [r.kind, ...(r.other_names ?? [])].join(' · '),
    }));
}

/**
 * A reference picked by search (ARIA combobox): type part of a name, pick with
 * the arrow keys and Enter, or click. Evidence ids are typed as they are.
 */
export function RefPicker(props: {
  id: string;
  name: string;
  target: string;
  value: string;
  label: string;
  onChange: (id: string) => void;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  'aria-required'?: boolean;
}) {
  const [q, setQ] = useState('');
  const [options, setOptions] = useState<Option[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [searchError, setSearchError] = useState('');
  const [editing, setEditing] = useState(!props.value);
  const inputRef = useRef<HTMLInputElement>(null);
  const listId = props.id + '-list';
  const searchable = props.target !== 'evidence';

  useEffect(() => {
    if (!editing || !searchable || q.trim().length < 1) {
      setOptions([]);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      findOptions(props.target, q.trim(), ctl.signal)
        .then((o) => {
          setOptions(o);
          setActive(0);
          setOpen(true);
          setSearchError('');
        })
        .catch((e) => {
          if (!ctl.signal.aborted) setSearchError(e.message);
        });
    }, 180);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [q, editing]);

  useEffect(() => {
    if (props.value) setEditing(false);
  }, [props.value]);

  if (!searchable) {
    return (
      <input
        id={props.id}
        name={props.name}
        value={props.value}
        placeholder="evi_…"
        aria-invalid={props['aria-invalid']}
        aria-describedby={props['aria-describedby']}
        onInput={(e) => props.onChange((e.target as HTMLInputElement).value)}
      />
    );
  }

  if (!editing && props.value) {
    return (
      <div class="ref-chosen">
        <span id={props.id + '-chosen'}>
          <RefName id={props.value} /> <span class="muted">({props.value})</span>
        </span>
        <button
          type="button"
          id={props.id}
          aria-describedby={[props.id + '-chosen', props['aria-describedby']].filter(Boolean).join(' ')}
          onClick={() => {
            setEditing(true);
            setQ('');
            setTimeout(() => inputRef.current?.focus(), 0);
          }}
        >
          Change
        </button>
        <button type="button" class="link-button" onClick={() => props.onChange('')}>
          Clear
        </button>
      </div>
    );
  }

  const choose = (o: Option) => {
    rememberName(o.id, o.label);
    props.onChange(o.id);
    setOpen(false);
    setEditing(false);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      if (open && options[active]) {
        e.preventDefault();
        choose(options[active]);
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };
  const showList = open && q.trim().length > 0;
  return (
    <div class="combo">
      <input
        ref={inputRef}
        id={props.id}
        name={props.name}
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && options[active] ? `${listId}-${active}` : undefined}
        aria-invalid={props['aria-invalid']}
        aria-describedby={props['aria-describedby']}
        aria-required={props['aria-required']}
        placeholder="Type to search"
        autocomplete="off"
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={onKey}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      {props.value && knownName(props.value) !== undefined && (
        <button type="button" class="link-button" onClick={() => setEditing(false)}>
          Keep {knownName(props.value)}
        </button>
      )}
      {searchError && <p class="field-error">Search failed: {searchError}</p>}
      <ul id={listId} role="listbox" class={'combo-list' + (showList ? ' open' : '')} aria-label={`Matches for ${props.label}`}>
        {showList && options.length === 0 && <li class="combo-empty">No match for “{q}”.</li>}
        {showList &&
          options.map((o, i) => (
            <li
              key={o.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(o);
              }}
            >
              {o.label} {o.detail && <span class="muted">{o.detail}</span>}
            </li>
          ))}
      </ul>
    </div>
  );
}
