/**
 * The rules of a risk education session's report that need no database, shared by the server's
 * handler and the field app's form, so that a phone with no connection refuses what the server
 * would. Problems are codes; each side words them in its own language.
 */
import { type DateProblem, pastDateProblem, todayUtc } from '../land/rules.ts';

/** How a risk education session was delivered. */
export const RISK_EDUCATION_METHODS = ['presentation', 'interpersonal', 'mass_media', 'digital', 'training_of_trainers', 'other'] as const;
export type RiskEducationMethod = (typeof RISK_EDUCATION_METHODS)[number];

/** Beneficiaries by sex and age group (children under 18, adults), as the treaty and donor reports count them. */
export const BENEFICIARY_GROUPS = ['girls', 'boys', 'women', 'men'] as const;
export type BeneficiaryGroup = (typeof BENEFICIARY_GROUPS)[number];

/** A session as the rules see it; a count the form could not read as a number is NaN. */
export interface SessionFacts {
  heldOn: string;
  organisationId: string;
  method: string;
  source: string;
  beneficiaries: Record<BeneficiaryGroup, number>;
  /** Whether the session has a position (a point). */
  position: boolean;
  settlementId: string | null;
}

export type SessionProblem = 'required' | DateProblem | 'not_method' | 'not_count' | 'no_place';
export type SessionField = 'heldOn' | 'organisationId' | 'method' | 'source' | 'place' | BeneficiaryGroup;

/**
 * Every problem of a session, by field: the date of a session held (not in the future, not
 * before 1900), the organisation, a method of the list, whole numbers of people of zero or more,
 * a source, and a place, by a position or a settlement: a session nobody can place counts in no
 * area's figures.
 */
export function sessionProblems(session: SessionFacts, today: string = todayUtc()): Partial<Record<SessionField, SessionProblem>> {
  const problems: Partial<Record<SessionField, SessionProblem>> = {};
  const date = session.heldOn ? pastDateProblem(session.heldOn, today) : 'required';
  if (date) problems.heldOn = date;
  if (!session.organisationId) problems.organisationId = 'required';
  if (!(RISK_EDUCATION_METHODS as readonly string[]).includes(session.method)) problems.method = session.method ? 'not_method' : 'required';
  if (!session.source.trim()) problems.source = 'required';
  for (const group of BENEFICIARY_GROUPS) {
    const n = session.beneficiaries[group];
    if (!Number.isInteger(n) || n < 0) problems[group] = 'not_count';
  }
  if (!session.position && !session.settlementId) problems.place = 'no_place';
  return problems;
}
