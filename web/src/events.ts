import type { EventRec } from './api';
import { capitalize, words } from './format';

/** Lanes of the visual timeline, top to bottom. */
export const LANES = [
  { id: 'journey', label: 'Journey' },
  { id: 'custody', label: 'Custody' },
  { id: 'proceedings', label: 'Proceedings' },
  { id: 'persecution', label: 'Persecution' },
  { id: 'evidence', label: 'Evidence' },
  { id: 'advocacy', label: 'Advocacy' },
  { id: 'other', label: 'Notes and letters' },
] as const;
export type LaneId = (typeof LANES)[number]['id'];

const LANE_OF: Record<string, LaneId> = {
  departure: 'journey',
  arrival: 'journey',
  detention: 'custody',
  transfer: 'custody',
  release: 'custody',
  bond: 'custody',
  notice_to_appear: 'proceedings',
  hearing: 'proceedings',
  decision: 'proceedings',
  filing: 'proceedings',
  fear_screening: 'proceedings',
  removal_designation: 'proceedings',
  removal_designation_withdrawn: 'proceedings',
  removal: 'proceedings',
  incident: 'persecution',
  evidence_capture: 'evidence',
  publication: 'evidence',
  advocacy: 'advocacy',
  correspondence: 'other',
  note: 'other',
};

export function laneOf(type: string): LaneId {
  return LANE_OF[type] ?? 'other';
}

export function typeLabel(type: string): string {
  if (type === 'fear_screening') return 'Fear screening';
  if (type === 'removal_designation_withdrawn') return 'Removal designation withdrawn';
  return capitalize(words(type));
}

/** A one-line description from the event's own fields, for lists. */
export function headline(e: EventRec): string {
  const kind = typeof e.kind === 'string' ? words(e.kind) : '';
  switch (e.type) {
    case 'hearing':
      return `${capitalize(kind)} hearing${e.status ? ` (${words(String(e.status))})` : ''}`;
    case 'decision':
      return `Decision (${String(e.body ?? '').toUpperCase()}): ${words(String(e.outcome ?? ''))}`;
    case 'filing':
      return `Filing: ${kind}`;
    case 'bond':
      return `Bond ${words(String(e.action ?? ''))}${typeof e.amount === 'number' ? ` ($${e.amount.toLocaleString('en-US')})` : ''}`;
    case 'release':
      return `Release (${words(String(e.reason ?? ''))})`;
    case 'incident':
    case 'advocacy':
    case 'fear_screening':
      return `${typeLabel(e.type)}: ${kind}`;
    default:
      return typeLabel(e.type);
  }
}

export const COMMON_FIELDS = new Set([
  'id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by',
  'retracted', 'retraction_reason', 'type', 'subject', 'date', 'matter', 'note',
]);
