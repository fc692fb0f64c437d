import { api, type FieldSpec, type Schema } from './api';

let schemaPromise: Promise<Schema> | null = null;

/** The contract as the server states it (GET /api/v1/schema), fetched once. */
export function loadSchema(signal?: AbortSignal): Promise<Schema> {
  if (!schemaPromise) {
    schemaPromise = api.get<Schema>('/schema', signal);
    schemaPromise.catch(() => (schemaPromise = null));
  }
  return schemaPromise;
}

const LABELS: Record<string, string> = {
  a_number: 'A-number',
  datetime: 'Date and time',
  to_country: 'To country',
  subject_line: 'Subject line',
  third_country: 'Third country',
  country_of_birth: 'Country of birth',
  other_names: 'Other names',
  birth_date: 'Birth date',
  detloc: 'DETLOC',
  aor: 'Area of responsibility (AOR)',
  final: 'Final decision',
  subject: 'Person (subject)',
};

export function fieldLabel(name: string): string {
  if (LABELS[name]) return LABELS[name];
  const s = name.replace(/_/g, ' ');
  return s[0].toUpperCase() + s.slice(1);
}

export function fieldHint(f: FieldSpec): string | undefined {
  switch (f.kind) {
    case 'partial_date':
      return 'YYYY, YYYY-MM or YYYY-MM-DD (2020, 2021-11, 2021-11-03), or a date-time with its UTC offset (2026-09-10T09:00-04:00).';
    case 'date_time':
      return 'Date and time with its UTC offset, e.g. 2026-09-10T09:00-04:00.';
    case 'country':
      return 'Two-letter code (CN, US); type to pick from the list.';
    case 'country_list':
      return 'Two-letter codes, separated by commas (CN, HK).';
    case 'text_list':
    case 'user_list':
      return 'Separate several with commas.';
    case 'a_number':
      return 'As written on the notice: A-123-456-789, or the 8 or 9 digits.';
    case 'url':
      return 'A full address starting with https://';
    case 'number':
      return f.name === 'amount' ? 'US dollars, digits only.' : undefined;
    default:
      return undefined;
  }
}
