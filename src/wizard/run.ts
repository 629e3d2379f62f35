/**
 * Runs the steps (./steps.ts) to a complete draft. The same loop serves the terminal and `--answers FILE --yes`:
 * - an answer given beforehand (a flag or the answers file) is checked by the same rule and used without asking;
 *   on a terminal a given answer that breaks a rule is asked again, without one it is an error naming the answer;
 * - without a terminal, a missing answer takes its default, or is an error when it has none (secrets included);
 * - after the offsite answers, the connection check opens the repository (or offers `restic init`); a failure is
 *   explained by its likely cause, and on a terminal the owner corrects that one answer and the check runs again.
 * Nothing is written here: the caller writes once the owner has confirmed the summary.
 */
import { UserError } from '../errors.js';
import type { RandomBytes } from '../core/random.js';
import { answersToCorrect, backendEnv, explainCause, generatePassword, repositoryOf } from './derive.js';
import { questionFor, STEPS } from './steps.js';
import { custodianProblem } from './steps-plan.js';
import type { CheckResult, Custodian, Draft, Probe, Prompter, Question, StepContext } from './types.js';
import { redactRepository } from '../core/redact.js';

export interface WizardRun {
  /** answers given beforehand (flags, the answers file, environment), used without asking */
  given: Draft;
  context: StepContext;
  /** null: no terminal (`--yes`), every answer must be given or have a default */
  prompter: Prompter | null;
  probe: Probe;
  random: RandomBytes;
  /** a line for the owner: explanations, notes, warnings */
  say: (line: string) => void;
}

export interface WizardOutcome {
  draft: Draft;
  /** the repository's id once the connection check opened or created it */
  repositoryId?: string;
  repositoryCreated: boolean;
  /** a password was generated in this run (and shown once on a terminal) */
  passwordGenerated: boolean;
}

/** Where a given answer came from, for messages: "--bucket" or "answers file key bucket". */
const origin = (question: Question): string => (question.flag === undefined ? `answer ${question.key}` : `${question.flag} (answers key ${question.key})`);

function missing(question: Question): UserError {
  return new UserError('E_WIZARD_ANSWER', `${origin(question)} is needed: ${question.message}`, {
    hints: [question.kind === 'secret'
      ? `give ${question.key} in the answers file (mode 0600) or the environment variable ${secretEnvName(question.key)}`
      : `give ${question.key} in the answers file${question.flag === undefined ? '' : ` or ${question.flag}`} (see docs/wizard.md)`],
  });
}

/** The environment variable that may carry a secret answer without a terminal. */
export function secretEnvName(key: string): string {
  return `DRKIT_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

function wrong(question: Question, value: string, message: string): UserError {
  const shown = question.kind === 'secret' ? '' : ` "${value}"`;
  return new UserError('E_WIZARD_ANSWER', `${origin(question)}${shown}: ${message}`, { hints: ['correct it in the answers file or the flag (see docs/wizard.md)'] });
}

export async function runWizard(run: WizardRun): Promise<WizardOutcome> {
  const draft: Draft = {};
  let check: CheckOutcome | null = null;
  for (const step of STEPS) {
    let headed = false;
    const heading = (): void => {
      if (headed || run.prompter === null) return;
      headed = true;
      run.say('');
      run.say(`== ${step.title}`);
      run.say(step.explain);
    };
    for (const question of step.questions) {
      if (question.when !== undefined && !question.when(draft)) {
        // a stale answer of a question that no longer applies goes; the password is settled by its mode instead
        if (question.key !== 'password') delete draft[question.key];
        continue;
      }
      await answer(run, question, draft, heading, false);
      if (question.key === 'passwordMode') await settlePassword(run, draft, heading);
    }
    if (step.id === 'offsite' && draft.offsite !== undefined && draft.offsite !== 'none') check = await connectionCheck(run, draft, heading);
  }
  return {
    draft,
    ...(check === null || check.repositoryId === '' ? {} : { repositoryId: check.repositoryId }),
    repositoryCreated: check?.created ?? false,
    // a correction to an existing repository's password turns the mode to 'existing'
    passwordGenerated: draft.offsite !== 'none' && draft.passwordMode === 'generate',
  };
}

/** After the password question: the existing password kept, or a new one generated and shown once. */
async function settlePassword(run: WizardRun, draft: Draft, heading: () => void): Promise<void> {
  if (draft.passwordMode === 'keep') {
    draft.password = run.context.existing?.password;
    return;
  }
  if (draft.passwordMode !== 'generate') return;
  draft.password = generatePassword(run.random);
  if (run.prompter !== null) {
    heading();
    run.say('');
    run.say(`  your new restic password:  ${draft.password}`);
    run.say('  it is shown this once: copy it into your password manager now. The printed kit will carry it too, but a copy you can reach without the custodians saves a lot of trouble.');
    // an answer is required, so the password cannot scroll away unseen
    await run.prompter.confirm({ message: 'saved it in your password manager?', default: true });
  } else {
    run.say('a new restic password was generated and goes only into the secrets file');
  }
}

const describeCheck = (result: CheckResult, say: (line: string) => void): void => {
  if (!result.ok) return;
  for (const note of result.notes ?? []) say(`  ${note}`);
  for (const warning of result.warnings ?? []) say(`  ${warning}`);
};

/**
 * One question: a given answer (checked), else the prompt, else the default. `force` asks even when an answer is
 * given (the correction loop), with the current value as default.
 */
async function answer(run: WizardRun, question: Question, draft: Draft, heading: () => void, force: boolean): Promise<void> {
  const { prompter, probe, context, say } = run;
  const given = force ? undefined : run.given[question.key];
  switch (question.kind) {
    case 'text': {
      // a check's notes are shown once the answer is taken, never from inside the prompt's validation
      const checked = new Map<string, CheckResult>();
      const judge = async (value: string): Promise<string | true> => {
        const rule = question.validate?.(value, draft) ?? null;
        if (rule !== null) return rule;
        if (question.check === undefined) return true;
        const result = await question.check(value, draft, probe);
        if (!result.ok) return result.message;
        checked.set(value, result);
        return true;
      };
      const take = (value: string): void => {
        draft[question.key] = value;
        const result = checked.get(value);
        if (result !== undefined) describeCheck(result, say);
      };
      if (typeof given === 'string') {
        const verdict = await judge(given);
        if (verdict === true) { take(given); return; }
        if (prompter === null) throw wrong(question, given, verdict);
        heading();
        say(`  ${origin(question)}: ${verdict}`);
      }
      const fallback = force ? draft[question.key] : question.default?.(draft, context);
      if (prompter === null) {
        if (fallback === undefined) throw missing(question);
        const verdict = await judge(fallback);
        if (verdict !== true) throw wrong(question, fallback, verdict);
        take(fallback);
        return;
      }
      heading();
      const explanation = question.explain?.(draft, context);
      if (explanation !== undefined) say(`  ${explanation}`);
      take((await prompter.input({ message: question.message, ...(fallback === undefined ? {} : { default: fallback }), validate: (value) => judge(value.trim()) })).trim());
      return;
    }
    case 'secret': {
      const keepable = question.keepable?.(draft, context) ?? false;
      const current = force ? draft[question.key] : undefined;
      const kept = keepable ? context.existing?.[question.key] : undefined;
      const judge = (value: string): Promise<string | true> => Promise.resolve(question.validate?.(value, draft) ?? true);
      if (typeof given === 'string') {
        const verdict = await judge(given);
        if (verdict === true) { draft[question.key] = given; return; }
        if (prompter === null) throw wrong(question, given, verdict);
        say(`  ${origin(question)}: ${verdict}`);
      }
      if (prompter === null) {
        if (kept === undefined) throw missing(question);
        draft[question.key] = kept;
        return;
      }
      heading();
      const explanation = question.explain?.(draft, context);
      if (explanation !== undefined) say(`  ${explanation}`);
      const keepText = current !== undefined ? ' (empty: keep what you typed)' : kept !== undefined ? ' (empty: keep the current one)' : '';
      const typed = await prompter.secret({
        message: `${question.message}${keepText}`,
        validate: (value) => (value === '' && (current ?? kept) !== undefined ? Promise.resolve(true) : judge(value)),
      });
      draft[question.key] = typed === '' ? (current ?? kept) : typed;
      return;
    }
    case 'choice': {
      const choices = question.choices(draft, context);
      const valid = (value: string): boolean => choices.some((choice) => choice.value === value);
      if (typeof given === 'string') {
        if (valid(given)) { (draft as Record<string, unknown>)[question.key] = given; return; }
        const message = `must be one of ${choices.map((choice) => choice.value).join(', ')}`;
        if (prompter === null) throw wrong(question, given, message);
        say(`  ${origin(question)}: ${message}`);
      }
      const fallback = force ? draft[question.key] : question.default?.(draft, context);
      if (prompter === null) {
        if (fallback === undefined || !valid(fallback)) throw missing(question);
        (draft as Record<string, unknown>)[question.key] = fallback;
        return;
      }
      heading();
      const explanation = question.explain?.(draft, context);
      if (explanation !== undefined) say(`  ${explanation}`);
      (draft as Record<string, unknown>)[question.key] = await prompter.select({ message: question.message, choices, ...(fallback !== undefined && valid(fallback) ? { default: fallback } : {}) });
      return;
    }
    case 'list': {
      const items = await listAnswer(run, question, draft, heading, given);
      draft[question.key] = items;
      return;
    }
    case 'custodians': {
      draft.custodians = await custodiansAnswer(run, question, draft, heading, Array.isArray(given) ? (given as Custodian[]) : undefined);
      return;
    }
  }
}

async function listAnswer(run: WizardRun, question: Extract<Question, { kind: 'list' }>, draft: Draft, heading: () => void, given: unknown): Promise<string[]> {
  const { prompter, probe, say, context } = run;
  const checked = new Map<string, CheckResult>();
  const judge = async (item: string, quiet: boolean): Promise<string | true> => {
    const rule = question.validate?.(item, draft) ?? null;
    if (rule !== null) return rule;
    if (question.check === undefined) return true;
    const result = await question.check(item, draft, probe);
    if (!result.ok) return result.message;
    checked.set(item, result);
    if (!quiet) describeCheck(result, say);
    return true;
  };
  const judgeAll = async (items: readonly string[]): Promise<string | true> => {
    if (items.length < question.min) return `must list at least ${question.min}`;
    for (const item of items) {
      const verdict = await judge(item, false);
      if (verdict !== true) return `${item}: ${verdict}`;
    }
    return true;
  };
  const preset = Array.isArray(given) ? (given as string[]) : undefined;
  if (preset !== undefined) {
    const verdict = await judgeAll(preset);
    if (verdict === true) return [...preset];
    if (prompter === null) throw wrong(question, preset.join(', '), verdict);
    say(`  ${origin(question)}: ${verdict}`);
  }
  const fallback = question.default?.(draft, context) ?? [];
  if (prompter === null) {
    const verdict = await judgeAll(fallback);
    if (fallback.length < question.min) throw missing(question);
    if (verdict !== true) throw wrong(question, fallback.join(', '), verdict);
    return [...fallback];
  }
  heading();
  const explanation = question.explain?.(draft, context);
  if (explanation !== undefined) say(`  ${explanation}`);
  if (fallback.length > 0) {
    say(`  ${question.message}: ${fallback.join(', ')}`);
    if (await prompter.confirm({ message: `keep these ${fallback.length}?`, default: true })) {
      const verdict = await judgeAll(fallback);
      if (verdict === true) return [...fallback];
      say(`  ${verdict}`);
    }
  }
  const items: string[] = [];
  for (;;) {
    const item = (await prompter.input({
      message: question.itemMessage,
      validate: async (value) => {
        const trimmed = value.trim();
        if (trimmed === '') return items.length >= question.min ? true : `name at least ${question.min}`;
        if (items.includes(trimmed)) return 'is already in the list';
        return judge(trimmed, true);
      },
    })).trim();
    if (item === '') return items;
    const result = checked.get(item);
    if (result !== undefined) describeCheck(result, say);
    items.push(item);
  }
}

async function custodiansAnswer(run: WizardRun, question: Extract<Question, { kind: 'custodians' }>, draft: Draft, heading: () => void, given: Custodian[] | undefined): Promise<Custodian[]> {
  const { prompter, say, context } = run;
  const judge = (people: readonly Custodian[]): string | true => question.validate?.(people) ?? true;
  if (given !== undefined) {
    const verdict = judge(given);
    if (verdict === true) return given;
    if (prompter === null) throw wrong(question, given.map((custodian) => custodian.name).join(', '), verdict);
    say(`  ${origin(question)}: ${verdict}`);
  }
  const fallback = question.default?.(draft, context) ?? [];
  if (prompter === null) {
    if (fallback.length === 0) throw missing(question);
    const verdict = judge(fallback);
    if (verdict !== true) throw wrong(question, fallback.map((custodian) => custodian.name).join(', '), verdict);
    return fallback;
  }
  heading();
  const explanation = question.explain?.(draft, context);
  if (explanation !== undefined) say(`  ${explanation}`);
  if (fallback.length > 0 && judge(fallback) === true) {
    say(`  custodians: ${fallback.map((custodian) => custodian.name).join(', ')}`);
    if (await prompter.confirm({ message: `keep these ${fallback.length}?`, default: true })) return fallback;
  }
  const people: Custodian[] = [];
  for (;;) {
    const name = (await prompter.input({
      message: `custodian ${people.length + 1}: name (empty line when done)`,
      validate: (value) => {
        const trimmed = value.trim();
        if (trimmed === '') return Promise.resolve(people.length >= 2 ? true : 'name at least 2 custodians');
        const problem = custodianProblem({ name: trimmed });
        if (problem !== null) return Promise.resolve(problem);
        if (people.some((person) => person.name.toLowerCase() === trimmed.toLowerCase())) return Promise.resolve(`${trimmed} is named already: each custodian holds one sheet`);
        return Promise.resolve(true);
      },
    })).trim();
    if (name === '') return people;
    const contact = (await prompter.input({
      message: `how to reach ${name} (phone, address or e-mail)`,
      validate: (value) => Promise.resolve(custodianProblem({ name, contact: value.trim() }) ?? true),
    })).trim();
    people.push(contact === '' ? { name } : { name, contact });
  }
}

interface CheckOutcome {
  draft: Draft;
  repositoryId: string;
  created: boolean;
}

/** The connection check and its correction loop. */
async function connectionCheck(run: WizardRun, start: Draft, heading: () => void): Promise<CheckOutcome> {
  const { prompter, probe, say } = run;
  const draft = start;
  for (;;) {
    const repository = repositoryOf(draft);
    if (repository === undefined || draft.password === undefined) throw new UserError('E_WIZARD_ANSWER', 'the offsite answers do not name a repository', { hints: ['answer the offsite questions (see docs/wizard.md)'] });
    const access = { kind: draft.offsite ?? 'url', repository, password: draft.password, env: backendEnv(draft) };
    heading();
    say(`  checking ${redactRepository(repository)} …`);
    const result = await probe.openRepository(access);
    if (result.kind === 'opened') {
      say(`  opened the repository: id ${result.repositoryId.slice(0, 8)}`);
      return { draft, repositoryId: result.repositoryId, created: false };
    }
    if (result.kind === 'missing') {
      say('  there is no restic repository there yet');
      const create = prompter === null ? true : await prompter.confirm({ message: 'create it now (restic init)?', default: true });
      if (create) {
        const { repositoryId } = await probe.initRepository(access);
        say(`  created the repository: id ${repositoryId.slice(0, 8)}`);
        return { draft, repositoryId, created: true };
      }
    } else {
      say(`  the check failed: ${result.message}`);
      say(`  likely cause: ${explainCause(result.cause, draft.offsite)}`);
      if (prompter === null) {
        throw new UserError('E_WIZARD_CONNECTION', `the offsite repository ${redactRepository(repository)} did not open: ${result.message}`, {
          hints: [explainCause(result.cause, draft.offsite), 'correct the answer in the answers file and run drkit init --answers FILE --yes again'],
        });
      }
    }
    if (prompter === null) throw new UserError('E_WIZARD_CONNECTION', `no repository at ${redactRepository(repository)}`);
    const cause = result.kind === 'failed' ? result.cause : 'bucket-missing';
    const keys = answersToCorrect(cause, draft.offsite).filter((key) => key !== 'password' || draft.offsite !== 'none');
    const choices = [
      ...keys.map((key) => ({ value: key, name: `correct: ${questionFor(key)?.message ?? key}` })),
      { value: 'offsite', name: 'choose another kind of repository' },
      { value: 'retry', name: 'try again as it is (after fixing it elsewhere, e.g. making the bucket)' },
    ];
    const pick = await prompter.select({ message: 'what should be corrected?', choices, default: choices[0]?.value ?? 'retry' });
    if (pick === 'retry') continue;
    if (pick === 'offsite') {
      for (const question of questionsOfStep('offsite')) {
        if (question.key === 'passwordMode' || question.key === 'password') continue;
        if (question.when !== undefined && !question.when(draft)) continue;
        await answer(run, question, draft, heading, question.key === 'offsite');
        if (question.key === 'offsite' && draft.offsite === 'none') return { draft, repositoryId: '', created: false };
      }
      continue;
    }
    if (pick === 'password') {
      // an existing repository has its own password: a generated one cannot be right
      draft.passwordMode = 'existing';
      const question = questionFor('password');
      if (question !== undefined) await answer(run, question, draft, heading, true);
      continue;
    }
    const question = questionFor(pick as keyof Draft);
    if (question !== undefined) await answer(run, question, draft, heading, true);
  }
}

function questionsOfStep(id: string): Question[] {
  return STEPS.find((step) => step.id === id)?.questions ?? [];
}
