/**
 * The rules of an activity's daily progress report that need no database, shared by the
 * server's handler and the field app's form, so that a phone with no connection refuses what the
 * server would. Problems are codes; each side words them in its own language.
 */
import { type DateProblem, pastDateProblem, todayUtc } from './rules.ts';

/** A day's progress as the rules see it; an area the form could not read as a number is NaN. */
export interface ProgressFacts {
  activityId: string;
  reportDate: string;
  areaProcessedM2: number;
  source: string;
}

/** The dates of the activity reported on, when known. */
export interface ActivityDates {
  startDate: string | null;
  endDate: string | null;
}

export type ProgressProblem = 'required' | DateProblem | 'before_start' | 'after_end' | 'not_area';
export type ProgressField = 'activityId' | 'reportDate' | 'areaProcessedM2' | 'source';

/**
 * Every problem of a day's progress, by field: the activity, a day that has passed and lies
 * within the activity's work (not before its start, not after its end), an area of zero square
 * metres or more (a day of rain is a day of no progress), and a source.
 */
export function progressProblems(report: ProgressFacts, activity: ActivityDates | null, today: string = todayUtc()): Partial<Record<ProgressField, ProgressProblem>> {
  const problems: Partial<Record<ProgressField, ProgressProblem>> = {};
  if (!report.activityId) problems.activityId = 'required';
  const date = report.reportDate ? pastDateProblem(report.reportDate, today) : 'required';
  if (date) problems.reportDate = date;
  else if (activity?.startDate && report.reportDate < activity.startDate) problems.reportDate = 'before_start';
  else if (activity?.endDate && report.reportDate > activity.endDate) problems.reportDate = 'after_end';
  if (!Number.isFinite(report.areaProcessedM2) || report.areaProcessedM2 < 0) problems.areaProcessedM2 = 'not_area';
  if (!report.source.trim()) problems.source = 'required';
  return problems;
}
