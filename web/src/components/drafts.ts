// Unsaved form text kept in this tab's sessionStorage, so a lost connection, an
// expired session or even a reload does not throw away what someone typed.
import type { Values } from './inputs';

export interface Draft {
  values: Values;
  saved_at: string;
}

const key = (k: string) => 'refuge-draft:' + k;

export function loadDraft(k: string): Draft | null {
  try {
    const raw = sessionStorage.getItem(key(k));
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

export function saveDraft(k: string, values: Values): void {
  try {
    sessionStorage.setItem(key(k), JSON.stringify({ values, saved_at: new Date().toISOString() }));
  } catch {
    // Storage full or disabled: the form still holds the values.
  }
}

export function clearDraft(k: string): void {
  try {
    sessionStorage.removeItem(key(k));
  } catch {
    // nothing to clear
  }
}
