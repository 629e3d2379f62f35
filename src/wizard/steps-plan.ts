/**
 * The planning steps of the wizard, as data: when the jobs run, how long history is kept, and who holds the
 * printed kit (n custodians, k of them needed). Pure, like ./steps.ts.
 */
import { configSchema } from '../config/schema.js';
import { validateKitShape } from '../core/kit.js';
import { DRILL_COPY_REASON } from '../core/kit-record.js';
import { controlCharacter, parseCustodianList } from '../core/custodians.js';
import { DrkitError } from '../errors.js';
import { custodianList, recommendedThreshold, thresholdReason } from './derive.js';
import type { ChoiceQuestion, Custodian, CustodiansQuestion, Draft, Step, TextQuestion } from './types.js';

const scheduleRule = (value: string): string | null => {
  const result = configSchema.safeParse({ sources: ['/'], offsite: { repository: '/r', schedule: value } });
  return result.success ? null : (result.error.issues[0]?.message ?? 'is not a schedule');
};

export const onsiteScheduleQuestion: ChoiceQuestion = {
  kind: 'choice', key: 'onsiteSchedule', flag: '--onsite-schedule',
  message: 'how often should the onsite copy run?',
  when: (draft) => draft.onsite !== 'none',
  explain: () => 'hourly keeps at most an hour of work at risk; a snapshot of unchanged files takes seconds and almost no space',
  choices: () => [
    { value: 'hourly', name: 'hourly (recommended)' },
    { value: 'daily', name: 'daily, at 03:00' },
  ],
  default: (_draft, context) => context.existing?.onsiteSchedule ?? 'hourly',
};

export const offsiteScheduleQuestion: TextQuestion = {
  kind: 'text', key: 'offsiteSchedule', flag: '--offsite-schedule',
  message: 'when should the offsite copy run? (daily at HH:MM, hourly, weekly)',
  when: (draft) => draft.offsite !== 'none',
  explain: () => 'once a day is enough for most homes; restic keeps the last 3 runs, 7 daily, 5 weekly, 12 monthly and 3 yearly snapshots, and sends only what changed',
  default: (_draft, context) => context.existing?.offsiteSchedule ?? 'daily at 03:00',
  validate: scheduleRule,
};

export const drillScheduleQuestion: ChoiceQuestion = {
  kind: 'choice', key: 'drillSchedule', flag: '--drill-schedule',
  message: 'run a restore drill every month?',
  when: (draft) => draft.offsite !== 'none',
  explain: (_draft, context) => (context.drillScheduleSupported
    ? `a drill restores from the printed kit alone in a sealed sandbox and compares the files: the only proof the paper works. A monthly drill uses a copy of the sheets kept in drkit's private folder here, left out of the backups: ${DRILL_COPY_REASON}`
    : 'a drill restores from the printed kit alone and compares the files; this drkit cannot schedule one yet, so the answer is kept for when it can'),
  choices: () => [
    { value: 'monthly', name: 'monthly (recommended)' },
    { value: 'none', name: 'no, I will run drkit drill myself' },
  ],
  default: (_draft, context) => context.existing?.drillSchedule ?? 'monthly',
};

const SCHEDULES: Step = {
  id: 'schedules', title: 'Schedules and history',
  explain: 'drkit installs timers that run the backups by themselves; a run missed while the machine was off happens at the next start',
  questions: [onsiteScheduleQuestion, offsiteScheduleQuestion, drillScheduleQuestion],
};

/** A kit shape drkit can make, in the words of the kit's own rule (src/core/kit.ts). */
function shapeProblem(names: readonly string[], k: number): string | null {
  try {
    validateKitShape(names, k);
    return null;
  } catch (error) {
    if (error instanceof DrkitError) return error.message;
    throw error;
  }
}

/**
 * What is wrong with one custodian, by the kit's own rule (src/core/custodians.ts: printed on paper, so no control
 * characters, bounded lengths), plus the characters that list syntax reserves.
 */
export function custodianProblem(custodian: Custodian): string | null {
  if (/[,<>]/.test(custodian.name)) return `"${custodian.name}": a name may not hold ",", "<" or ">"`;
  if (/[<>]/.test(custodian.contact ?? '')) return `how to reach ${custodian.name}: may not hold "<" or ">"`;
  try {
    parseCustodianList(custodianList([custodian]), 'custodian');
    return null;
  } catch (error) {
    if (error instanceof DrkitError) return error.message.replace(/^custodian: custodian 1/, custodian.name);
    throw error;
  }
}

export const custodiansQuestion: CustodiansQuestion = {
  kind: 'custodians', key: 'custodians', flag: '--custodians',
  message: 'custodians',
  when: (draft) => draft.offsite !== 'none',
  explain: () => 'each custodian keeps one sealed sheet; name people who live apart from you and from each other (a relative, a friend, a notary). '
    + 'Their contact is printed on the sheets, so a restorer knows whom to ask for the others',
  default: (_draft, context) => context.existing?.custodians ?? [],
  validate: (custodians) => {
    for (const custodian of custodians) {
      const problem = custodianProblem(custodian);
      if (problem !== null) return problem;
    }
    return shapeProblem(custodians.map((custodian) => custodian.name), 2);
  },
};

export const thresholdQuestion: TextQuestion = {
  kind: 'text', key: 'threshold', flag: '--threshold',
  message: 'how many sheets should it take to open the kit?',
  when: (draft) => draft.offsite !== 'none',
  explain: (draft) => {
    const n = draft.custodians?.length ?? 0;
    const k = recommendedThreshold(n);
    return `recommended: ${thresholdReason(k, n)}`;
  },
  default: (draft, context) => {
    const n = draft.custodians?.length ?? 0;
    const previous = context.existing?.threshold;
    return previous !== undefined && Number(previous) <= n && context.existing?.custodians?.length === n ? previous : String(recommendedThreshold(n));
  },
  validate: (value, draft: Draft) => {
    if (!/^\d+$/.test(value)) return 'must be a whole number';
    const names = (draft.custodians ?? []).map((custodian) => custodian.name);
    return shapeProblem(names, Number(value));
  },
};

export const ownerQuestion: TextQuestion = {
  kind: 'text', key: 'owner', flag: '--owner',
  message: 'your name, as the custodians know you',
  when: (draft) => draft.offsite !== 'none',
  explain: () => 'printed on every sheet, so a custodian knows whose kit it is',
  default: (_draft, context) => context.existing?.owner,
  validate: (value) => {
    if (value.trim() === '') return 'must be a name';
    if (value.length > 80) return 'must be at most 80 characters';
    // printed like the custodians' names: their rule (src/core/custodians.ts), which kit create applies again
    const bad = controlCharacter(value);
    return bad === null ? null : `must not hold the control character ${bad}: it is printed on every sheet`;
  },
};

const CUSTODIANS: Step = {
  id: 'custodians', title: 'The printed kit',
  explain: 'the kit seals the restic password and keys on paper: any k of n sheets open it, fewer reveal nothing. It is what makes a restore possible after a fire, without any of your devices',
  questions: [ownerQuestion, custodiansQuestion, thresholdQuestion],
};

export const PLAN_STEPS: readonly Step[] = [SCHEDULES, CUSTODIANS];
