/**
 * Message catalogues, one per language, and the formatting of numbers, dates and areas with the
 * browser's Intl for the chosen language. Every catalogue has every key of the English one (the
 * type checker refuses a missing key), so navigation and forms are complete in each language.
 */
import { displayedDeg } from '../../../src/geodesy/angles.ts';
import { az } from './az.ts';
import { en, type MessageKey, type Messages } from './en.ts';
import { es } from './es.ts';
import { hy } from './hy.ts';
import { ru } from './ru.ts';
import { uk } from './uk.ts';

export type { MessageKey };

export const LANGUAGES = ['en', 'az', 'hy', 'ru', 'uk', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, as a language switcher shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  az: 'Azərbaycanca',
  hy: 'Հայերեն',
  ru: 'Русский',
  uk: 'Українська',
  es: 'Español',
};

const CATALOGUES: Record<Language, Messages> = { en, az, hy, ru, uk, es };

const LANGUAGE_KEY = 'safeground.language';
const AREA_UNIT_KEY = 'safeground.areaUnit';

export const AREA_UNITS = ['m2', 'ha', 'km2'] as const;
export type AreaUnit = (typeof AREA_UNITS)[number];
const AREA_DIVISOR: Record<AreaUnit, number> = { m2: 1, ha: 10_000, km2: 1_000_000 };

function isLanguage(value: string | null): value is Language {
  return value !== null && (LANGUAGES as readonly string[]).includes(value);
}

function initialLanguage(): Language {
  const saved = localStorage.getItem(LANGUAGE_KEY);
  if (isLanguage(saved)) return saved;
  const browser = navigator.language.slice(0, 2);
  return isLanguage(browser) ? browser : 'en';
}

let language: Language = initialLanguage();
let areaUnit: AreaUnit = (AREA_UNITS as readonly string[]).includes(localStorage.getItem(AREA_UNIT_KEY) ?? '') ? (localStorage.getItem(AREA_UNIT_KEY) as AreaUnit) : 'ha';

export function currentLanguage(): Language {
  return language;
}

export function setLanguage(next: Language): void {
  language = next;
  localStorage.setItem(LANGUAGE_KEY, next);
  document.documentElement.lang = next;
}

export function currentAreaUnit(): AreaUnit {
  return areaUnit;
}

export function setAreaUnit(next: AreaUnit): void {
  areaUnit = next;
  localStorage.setItem(AREA_UNIT_KEY, next);
}

/** The message for a key in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = CATALOGUES[language][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function formatNumber(value: number, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(language, { maximumFractionDigits }).format(value);
}

/**
 * An angle's number in the current language, by the one rule for shown angles (displayedDeg in
 * src/geodesy/angles.ts): a bearing never reads 360, no angle reads -0.
 */
export function formatDegrees(degrees: number, decimals: number, kind: 'bearing' | 'signed'): string {
  return formatNumber(displayedDeg(degrees, decimals, kind), decimals);
}

/** A size in bytes, in kB or MB as fits, with the language's own unit names. */
export function formatBytes(bytes: number): string {
  const [unit, value] = bytes >= 1e6 ? ['megabyte', bytes / 1e6] : ['kilobyte', bytes / 1e3];
  return new Intl.NumberFormat(language, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

export function formatPercent(share: number): string {
  return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

/** A calendar date (YYYY-MM-DD, or an ISO timestamp) in the current language. */
/** A day, or a month (YYYY-MM) or a year (YYYY) when only that is known. */
export function formatDate(value: string | null): string {
  if (!value) return '—';
  if (/^\d{4}$/.test(value)) return value;
  if (/^\d{4}-\d{2}$/.test(value)) return new Intl.DateTimeFormat(language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${value}-01T00:00:00Z`));
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

export function formatDateTime(value: string | null): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** A month key (YYYY-MM) as "Mar 2024" in the current language. */
export function formatMonth(value: string): string {
  return new Intl.DateTimeFormat(language, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${value}-01T00:00:00Z`));
}

/** The unit symbol of the area setting. */
export function areaUnitLabel(unit: AreaUnit = areaUnit): string {
  return t(`unit.${unit}`);
}

/** An area given in m², in the one unit of the setting; a figure never mixes units. */
export function formatArea(m2: number | null, unit: AreaUnit = areaUnit): string {
  if (m2 === null || Number.isNaN(m2)) return '—';
  const value = m2 / AREA_DIVISOR[unit];
  const digits = unit === 'm2' ? 0 : unit === 'ha' ? 2 : 4;
  return `${formatNumber(value, digits)} ${areaUnitLabel(unit)}`;
}

/** An area in the unit of the setting, as a bare number (for charts whose axis names the unit). */
export function areaIn(m2: number, unit: AreaUnit = areaUnit): number {
  return m2 / AREA_DIVISOR[unit];
}
