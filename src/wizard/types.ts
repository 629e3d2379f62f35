/**
 * The wizard's vocabulary: the answers it collects (a flat draft, the same names as the answers file and, in
 * kebab case, the flags), the question definitions the steps are made of, and the two things a run is given:
 * a Prompter (the one door to the terminal, src/wizard/prompter.ts) and a Probe (every look at the machine —
 * paths, disks, ssh, the repository — src/wizard/probe.ts). Steps stay pure data because of these two.
 */

export type OnsiteKind = 'folder' | 'ssh' | 'none';
export type OffsiteKind = 'b2-s3' | 'b2' | 's3' | 'url' | 'none';
export type PasswordMode = 'generate' | 'existing' | 'keep';

import type { Custodian } from '../core/custodians.js';

/** A custodian: a name and, optionally, how to reach them (printed on the sheets). The kit's own type. */
export type { Custodian };

/** Every answer the wizard can hold. Secrets (keyId, secretKey, password) never go to argv or the answers file the wizard writes. */
export interface Draft {
  sources?: string[];
  exclude?: string[];
  onsite?: OnsiteKind;
  onsiteTarget?: string;
  offsite?: OffsiteKind;
  b2Region?: string;
  bucket?: string;
  bucketPath?: string;
  s3Endpoint?: string;
  repositoryUrl?: string;
  keyId?: string;
  secretKey?: string;
  passwordMode?: PasswordMode;
  password?: string;
  onsiteSchedule?: string;
  offsiteSchedule?: string;
  drillSchedule?: 'monthly' | 'none';
  custodians?: Custodian[];
  threshold?: string;
  /** the owner's name, printed on every sheet (config kit.owner) */
  owner?: string;
  /** where the onsite copy lives, in a restorer's words (config kit.onsite) */
  onsiteDescription?: string;
}

export type TextKey = 'onsiteTarget' | 'onsiteDescription' | 'b2Region' | 'bucket' | 'bucketPath' | 's3Endpoint' | 'repositoryUrl' | 'offsiteSchedule' | 'threshold' | 'owner';
export type SecretKey = 'keyId' | 'secretKey' | 'password';
export type ChoiceKey = 'onsite' | 'offsite' | 'passwordMode' | 'onsiteSchedule' | 'drillSchedule';
export type ListKey = 'sources' | 'exclude';

/** The secret answers: masked when typed, never in argv, never written outside the secrets file. */
export const SECRET_KEYS: readonly SecretKey[] = ['keyId', 'secretKey', 'password'];

/** What a look at the machine found: the value is fine (with notes to show, e.g. its size), or it is not and why. */
export type CheckResult = { ok: true; notes?: string[]; warnings?: string[] } | { ok: false; message: string };

/** What the steps' defaults and texts may read besides the draft: facts gathered before the questions. */
export interface StepContext {
  /** the setup being edited, as a draft (null on a first run) */
  existing: Draft | null;
  /** mounted file systems worth offering as an onsite disk, biggest free space first */
  disks: readonly DiskInfo[];
  /** true when the config schema knows a drill schedule (the drill command brings it) */
  drillScheduleSupported: boolean;
}

export interface DiskInfo {
  mountPoint: string;
  device: string;
  fsType: string;
  freeBytes: number;
  totalBytes: number;
  /** under /media, /run/media or /mnt: most likely a USB disk */
  removable: boolean;
}

interface QuestionBase<K extends keyof Draft> {
  key: K;
  /** the question, as a prompt */
  message: string;
  /** one or two plain sentences on why it is asked and what the choice means */
  explain?: (draft: Draft, context: StepContext) => string | undefined;
  /** the flag that answers it (no flag for secrets: they never go in argv) */
  flag?: string;
  /** asked only when this holds */
  when?: (draft: Draft) => boolean;
}

export interface TextQuestion extends QuestionBase<TextKey> {
  kind: 'text';
  default?: (draft: Draft, context: StepContext) => string | undefined;
  /** pure rule: null when fine, else what is wrong (lowercase, no final period) */
  validate?: (value: string, draft: Draft) => string | null;
  /** a look at the machine, through the probe */
  check?: (value: string, draft: Draft, probe: Probe) => Promise<CheckResult>;
}

export interface SecretQuestion extends QuestionBase<SecretKey> {
  kind: 'secret';
  validate?: (value: string, draft: Draft) => string | null;
  /** true when an existing value may be kept by answering nothing */
  keepable?: (draft: Draft, context: StepContext) => boolean;
}

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface ChoiceQuestion extends QuestionBase<ChoiceKey> {
  kind: 'choice';
  choices: (draft: Draft, context: StepContext) => Choice<string>[];
  default?: (draft: Draft, context: StepContext) => string | undefined;
}

export interface ListQuestion extends QuestionBase<ListKey> {
  kind: 'list';
  /** the prompt for one more item; an empty answer ends the list */
  itemMessage: string;
  default?: (draft: Draft, context: StepContext) => string[];
  /** at least this many items */
  min: number;
  validate?: (item: string, draft: Draft) => string | null;
  check?: (item: string, draft: Draft, probe: Probe) => Promise<CheckResult>;
}

export interface CustodiansQuestion extends QuestionBase<'custodians'> {
  kind: 'custodians';
  default?: (draft: Draft, context: StepContext) => Custodian[];
  validate?: (custodians: readonly Custodian[]) => string | null;
}

export type Question = TextQuestion | SecretQuestion | ChoiceQuestion | ListQuestion | CustodiansQuestion;

export interface Step {
  id: 'sources' | 'onsite' | 'offsite' | 'schedules' | 'custodians';
  title: string;
  /** shown once when the step starts */
  explain: string;
  questions: Question[];
}

/** The terminal, as the wizard uses it. Every prompt can be cancelled (Ctrl-C, closed terminal): it then rejects with WizardCancelled. */
export interface Prompter {
  /** a line of explanation, a heading or a note */
  say(text: string): void;
  input(question: { message: string; default?: string; validate?: (value: string) => Promise<string | true> }): Promise<string>;
  secret(question: { message: string; validate?: (value: string) => Promise<string | true> }): Promise<string>;
  select(question: { message: string; choices: Choice<string>[]; default?: string }): Promise<string>;
  confirm(question: { message: string; default: boolean }): Promise<boolean>;
}

/** Where a repository check went wrong, in the owner's terms. */
export type ConnectionCause = 'wrong-key' | 'wrong-region' | 'bucket-missing' | 'no-network' | 'wrong-password' | 'tls' | 'other';

export type ConnectionResult =
  | { kind: 'opened'; repositoryId: string }
  | { kind: 'missing' }
  | { kind: 'failed'; cause: ConnectionCause; message: string };

/** The repository as the connection check opens it, all in memory. */
export interface RepositoryAccess {
  /** which kind of repository the answers named, to read a failure right */
  kind: OffsiteKind;
  repository: string;
  password: string;
  env: Record<string, string>;
}

/** Every look at the machine the wizard makes. src/wizard/probe.ts does them for real; tests may pass the same. */
export interface Probe {
  /** exists? how big (bytes, files)? which device? */
  measurePath(path: string): Promise<{ exists: false } | { exists: true; bytes: number; files: number; truncated: boolean }>;
  /** a local folder for the onsite copy: exists or can be created, writable, free space, which sources share its disk */
  inspectFolder(path: string, sources: readonly string[]): Promise<{ usable: false; reason: string } | { usable: true; exists: boolean; freeBytes: number; sharesDeviceWith: string[] }>;
  /** a `user@host:path` target reached with ssh (BatchMode): the folder exists or can be made, and is writable */
  inspectRemote(spec: string): Promise<{ usable: false; reason: string } | { usable: true }>;
  disks(): Promise<DiskInfo[]>;
  openRepository(access: RepositoryAccess): Promise<ConnectionResult>;
  initRepository(access: RepositoryAccess): Promise<{ repositoryId: string }>;
}
