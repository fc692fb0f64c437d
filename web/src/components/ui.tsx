import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Deadline, type EventRec } from '../api';
import { countryName } from '../countries_lookup';
import { COMMON_FIELDS } from '../events';
import { dayOf, daysBetween, fmtDate, relativeDays, today, words } from '../format';
import { hrefOf, knownName, nameOf } from '../names';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** An API error, in place, as a sentence; with a retry where one makes sense. */
export function ErrorBox({ error, onRetry, context }: { error: unknown; onRetry?: () => void; context?: string }) {
  const e = error as Error;
  let title = context ?? 'Something went wrong';
  // Trying again helps after a lost connection or a server fault, not after a refusal.
  const retryable = !(e instanceof ApiError) || e.isNetwork || e.status >= 500 || e.status === 401;
  if (e instanceof ApiError) {
    if (e.isNetwork) title = 'No connection to the server';
    else if (e.status === 401) title = 'Signed out';
    else if (e.status === 403) title = 'Not allowed';
    else if (e.status === 404) title = 'Not found';
    else if (e.status === 409) title = 'Changed by someone else';
  }
  return (
    <div class="error-box" role="alert">
      <strong>{title}.</strong> <span>{e?.message ?? String(error)}</span>
      {onRetry && retryable && (
        <button type="button" class="link-button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Card(props: { title: ComponentChildren; id?: string; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  const headingId = props.id ? props.id + '-h' : undefined;
  return (
    <section class={'card ' + (props.class ?? '')} id={props.id} aria-labelledby={headingId}>
      <div class="card-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions && <div class="card-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function DateText({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">unknown</span>;
  return (
    <time dateTime={value} class="date">
      {fmtDate(value)}
    </time>
  );
}

/** A link to the object with its name, once known. */
export function RefName({ id }: { id: string }) {
  const [name, setName] = useState<string | undefined>(knownName(id));
  useEffect(() => {
    let live = true;
    if (!knownName(id)) nameOf(id).then((n) => live && setName(n));
    else setName(knownName(id));
    return () => {
      live = false;
    };
  }, [id]);
  const href = hrefOf(id);
  const text = name ?? id;
  return href ? <a href={href}>{text}</a> : <span>{text}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{words(status)}</span>;
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="kv">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The event's own fields (beyond date, type, subject, matter, note) as label/value pairs. */
export function EventFields({ event }: { event: EventRec }) {
  const entries = Object.entries(event).filter(([k, v]) => !COMMON_FIELDS.has(k) && v !== null && v !== undefined);
  if (!entries.length) return null;
  return (
    <dl class="event-fields">
      {entries.map(([k, v]) => (
        <Field label={words(k)} key={k}>
          <FieldValue name={k} value={v} />
        </Field>
      ))}
    </dl>
  );
}

export function FieldValue({ name, value }: { name: string; value: unknown }) {
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'number') return <>{name === 'amount' ? `$${value.toLocaleString('en-US')}` : String(value)}</>;
  if (Array.isArray(value)) return <>{value.map(String).join(', ')}</>;
  const s = String(value);
  if (/^(per|org|fac|mat|evt)_[a-z0-9_-]+$/.test(s)) return <RefName id={s} />;
  // Linked by id only: fetching a record's title would itself be a recorded access.
  if (/^evi_[A-Za-z0-9_-]+$/.test(s)) return <a href={`/evidence/${s}`}>{s}</a>;
  if (/(^|_)country$/.test(name)) return <>{countryName(s)} ({s})</>;
  if (name === 'datetime' || /^\d{4}-\d{2}-\d{2}T/.test(s)) return <DateText value={s} />;
  if (name === 'url' && /^https?:\/\//.test(s)) {
    return (
      <a href={s} rel="noopener noreferrer" target="_blank">
        {s}
      </a>
    );
  }
  return <>{/^[a-z_]+$/.test(s) ? words(s) : s}</>;
}

/**
 * A milestone marks the earliest day to act (the engine says so in its steps);
 * it is never missed, so it reads "from", not "due".
 */
export function isMilestone(d: Deadline): boolean {
  return d.steps.some((s) => s.startsWith('A milestone'));
}

/** Days left or overdue, in words, for a due date. */
export function DueIn({ d }: { d: Deadline }) {
  if (d.status === 'met') return <span class="muted">met</span>;
  if (d.status === 'superseded') return <span class="muted">superseded</span>;
  const rel = relativeDays(d.due);
  if (isMilestone(d)) {
    const n = daysBetween(today(), dayOf(d.due));
    return <span>{n > 0 ? `possible ${rel}` : n === 0 ? 'possible from today' : `possible for ${-n} days now`}</span>;
  }
  if (d.status === 'missed') return <strong class="overdue-text">overdue: due {rel}</strong>;
  return <span>due {rel}</span>;
}

/** A deadline with its counting steps and citation. */
export function DeadlineItem({ d, showClient }: { d: Deadline; showClient?: boolean }) {
  const overdue = d.status === 'missed';
  return (
    <li class={'deadline' + (overdue ? ' deadline-overdue' : '') + (d.status === 'open' ? ' deadline-open' : '')}>
      <div class="deadline-main">
        <span class="deadline-due">
          <DateText value={d.due} />
        </span>
        <StatusBadge status={overdue ? 'overdue' : d.status} />
        {isMilestone(d) && <span class="badge badge-milestone">milestone</span>}
        {d.approximate && <span class="badge badge-approx">approximate</span>}
        <DueIn d={d} />
      </div>
      <div class="deadline-title">{d.title}</div>
      <div class="deadline-meta">
        {showClient && d.subject && (
          <span>
            Client: <a href={`/people/${d.subject}`}>{d.client_name ?? d.subject}</a>
          </span>
        )}
        {d.matter && (
          <span>
            Matter: {d.matter_title ? <a href={`/matters/${d.matter}`}>{d.matter_title}</a> : <RefName id={d.matter} />}
          </span>
        )}
        <span class="citation">{d.citation}</span>
      </div>
      <details>
        <summary>How this date was counted</summary>
        <ol class="steps">
          {d.steps.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ol>
        {d.other_readings?.length > 0 && (
          <p>
            Other readings:{' '}
            {d.other_readings.map((r, i) => (
              <span key={i}>
                <DateText value={r.due} /> ({r.why}){' '}
              </span>
            ))}
          </p>
        )}
        <p class="muted">
          Triggered by <a href={`/events/${d.trigger_event}`}>{d.trigger_event}</a>
          {d.satisfied_by && (
            <>
              ; met by <a href={`/events/${d.satisfied_by}`}>{d.satisfied_by}</a>
            </>
          )}
          {d.as_of && <>; rule checked against the law as of {fmtDate(d.as_of)}</>}
        </p>
      </details>
    </li>
  );
}

/** Missed first, then open ones by due date, then open milestones, then the rest. */
export function sortDeadlines(list: Deadline[]): Deadline[] {
  const rank = (d: Deadline) => (d.status === 'missed' ? 0 : d.status === 'open' ? (isMilestone(d) ? 2 : 1) : 3);
  return [...list].sort((a, b) => rank(a) - rank(b) || (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function PageTitle({ children, sub }: { children: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="page-title">
      <h1 tabIndex={-1}>{children}</h1>
      {sub && <div class="page-sub">{sub}</div>}
    </div>
  );
}
