/** 1536 -> "1.5 KB"; binary multiples, as file managers show them. */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
