import { COUNTRIES } from './countries';

const BY_CODE = new Map(COUNTRIES.map(([code, name, numeric]) => [code, { name, numeric }]));

/** "CN" -> "China"; unknown codes are shown as given. */
export function countryName(code: string | null | undefined): string {
  if (!code) return '';
  return BY_CODE.get(code.toUpperCase())?.name ?? code;
}

/** The ISO numeric code world-atlas uses as feature id ("US" -> "840"). */
export function countryNumeric(code: string): string | undefined {
  return BY_CODE.get(code.toUpperCase())?.numeric;
}

export { COUNTRIES };
