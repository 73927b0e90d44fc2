// ISO 4217 codes as the runtime's ICU knows them: real currencies, not just any three letters.
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

export function isIso4217(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_4217.has(code);
}
