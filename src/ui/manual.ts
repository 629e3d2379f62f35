/**
 * The manual behind every `--help`: what a command does, examples, its exit codes, where its files go, and where
 * the docs are. commander prints the usage and the options; this module holds the words after them, one entry per
 * command, so the help reads like a manual page and the golden tests in test/cli/help.test.ts pin every text.
 *
 * Exit codes are listed from src/errors.ts's ExitCode, never retyped, so a help text cannot disagree with the
 * README's table on what a number means.
 */
import { ExitCode } from '../errors.js';

type ExitName = keyof typeof ExitCode;

interface ManualPage {
  /** a few sentences: what the command does and why, beyond commander's one-line description */
  about: string[];
  examples: { command: string; does: string }[];
  exits: ExitName[];
  files?: string[];
  docs: string[];
}

const EXIT_MEANING: Record<ExitName, string> = {
  ok: 'success',
  checkFailed: 'a check said no: a share or a kit did not verify, a drill did not pass',
  userError: 'bad input or usage: the message names the input, the rule and the fix',
  warning: 'done with warnings (a snapshot saved, but some files were unreadable)',
  toolError: 'an external program (restic, rsync, gpg, ...) failed',
  stale: 'a job, the repository check, the kit or the drill is stale or failed',
  locked: 'another run of the same job holds the lock',
  internal: 'a bug in drkit (the only case that prints a stack trace)',
  interrupted: 'interrupted (Ctrl-C, SIGTERM)',
  closedPipe: 'the reader of the output went away (| head): stopped quietly',
};

const STATE_FILES = [
  'config   ~/.config/drkit/config.yaml ($XDG_CONFIG_HOME/drkit), or --config',
  'secrets  the file the config names (0600 in a 0700 folder), or a command',
  'state    ~/.local/state/drkit/ ($XDG_STATE_HOME): runs, locks; no secrets',
];

export const MANUAL: Record<string, ManualPage> = {
  drkit: {
    about: [
      'drkit keeps two copies of what matters: rsync snapshots with history onsite (a USB disk or a NAS) and an',
      'encrypted restic repository offsite (Backblaze B2 or any restic repository). It prints a recovery kit: the',
      'credentials sealed with OpenPGP, the key split among custodians (any k of n open it), and a restore guide a',
      'stranger can follow from a Linux live USB. Drills restore from the paper alone and prove the data matches.',
    ],
    examples: [
      { command: 'drkit demo', does: 'see the whole job work on local stand-ins, in a throwaway folder' },
      { command: 'drkit init', does: 'set up your own backups with a wizard' },
      { command: 'drkit backup', does: 'run both backups now' },
      { command: 'drkit status', does: 'what is stale: backups, repository check, kit, drill' },
      { command: 'drkit kit create --config ~/.config/drkit/config.yaml --custodians "Ann,Ben,Cy,Dee,Eve" --threshold 3 --out kit', does: 'seal a 3-of-5 kit' },
      { command: 'drkit drill', does: 'restore in a clean room from k sheets and the guide, and compare' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'warning', 'toolError', 'stale', 'locked', 'internal', 'interrupted'],
    files: STATE_FILES,
    docs: ['README.md', 'docs/config.md', 'docs/format.md', 'docs/json-output.md', 'docs/threat-model.md'],
  },
  init: {
    about: [
      'On a terminal, a wizard asks what to back up, where the onsite disk and the offsite repository are, checks',
      'both, stores the secrets (0600) and offers the schedule, a first backup, the kit and a drill. With --yes it',
      'provisions what an existing config describes: the onsite marker, the restic repository and its id.',
    ],
    examples: [
      { command: 'drkit init', does: 'the wizard, from nothing to backups running' },
      { command: 'drkit init --config ~/.config/drkit/config.yaml --yes', does: 'provision from a written config' },
    ],
    exits: ['ok', 'userError', 'toolError', 'interrupted'],
    files: STATE_FILES,
    docs: ['docs/config.md'],
  },
  backup: {
    about: [
      'Runs the onsite job (an rsync snapshot with history, hard links for unchanged files), the offsite job (a',
      'restic snapshot, then the keep policy), or both. Each run is recorded in the status file; one run per job',
      'at a time. Progress bars on a terminal; JSON events, one per line, with --json.',
    ],
    examples: [
      { command: 'drkit backup', does: 'both jobs, onsite first' },
      { command: 'drkit backup offsite --json', does: 'only restic, as JSON events' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'warning', 'toolError', 'locked', 'interrupted'],
    files: STATE_FILES,
    docs: ['docs/config.md', 'docs/json-output.md'],
  },
  check: {
    about: [
      'Checks the offsite repository\'s health with restic check, reading the share of the data that',
      'offsite.check.readDataSubset names, and records the verdict. Missing or damaged data is a failure with its own',
      'message, never "ok"; drkit status flags a check that is missing, old or bad. The schedule runs it weekly.',
    ],
    examples: [
      { command: 'drkit check', does: 'check the repository now' },
      { command: 'drkit check --json', does: 'the verdict as JSON' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'toolError', 'locked', 'interrupted'],
    files: STATE_FILES,
    docs: ['docs/config.md', 'docs/json-output.md'],
  },
  status: {
    about: [
      'For each job: the last good run, its age, size and snapshot count; the repository check; the kit\'s',
      'freshness; the last drill. Exits 5 when anything is stale or failed, so a timer or a monitor can act on it.',
    ],
    examples: [
      { command: 'drkit status', does: 'the report' },
      { command: 'drkit status --json', does: 'the same as one JSON object' },
    ],
    exits: ['ok', 'userError', 'stale'],
    files: STATE_FILES,
    docs: ['docs/config.md', 'docs/json-output.md'],
  },
  schedule: {
    about: [
      'systemd user timers (Persistent=true, so a missed run happens at the next boot) or crontab lines for the',
      'backups, the repository check and the drill. User timers stop when you log out unless lingering is on:',
      'the command to enable it is shown when it is off.',
    ],
    examples: [
      { command: 'drkit schedule print', does: 'show the units without writing anything' },
      { command: 'drkit schedule install', does: 'write the units and show the command that enables them' },
      { command: 'drkit schedule install --cron', does: 'crontab lines instead' },
      { command: 'drkit schedule uninstall', does: 'remove exactly the units (or lines) drkit wrote' },
    ],
    exits: ['ok', 'userError'],
    files: ['units    $XDG_CONFIG_HOME/systemd/user/drkit-*.{service,timer}', 'crontab  $XDG_CONFIG_HOME/drkit/crontab'],
    docs: ['docs/config.md'],
  },
  kit: {
    about: ['The printed recovery kit: create it, check one share, print it.'],
    examples: [
      { command: 'drkit kit create --help', does: 'how to seal a kit' },
      { command: 'drkit kit verify sheet-3.pdf', does: 'a custodian checks a sheet' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'toolError'],
    docs: ['docs/format.md'],
  },
  'kit create': {
    about: [
      'Builds the bundle (repository, password, keys, repository id, onsite description, notes) from the config',
      'and its secrets, or from --bundle, and opens the repository with exactly that bundle before sealing. Then it',
      'encrypts it (OpenPGP, opened by plain gpg), splits the key (k of n), writes one sheet per custodian, the',
      'restore guide and the owner\'s checklist, reads its own PDFs back and opens the kit with every k-subset.',
    ],
    examples: [
      { command: 'drkit kit create --config ~/.config/drkit/config.yaml --custodians "Ann Smith <ann@example.org>,Ben <+44 20 7946 0001>,Cy" --threshold 2 --out ~/kit', does: 'a 2-of-3 kit' },
      { command: 'drkit kit create --bundle bundle.json --custodians "Ann,Ben,Cy,Dee,Eve" --threshold 3 --out ~/kit --format text', does: 'share and envelope text files' },
    ],
    exits: ['ok', 'userError', 'toolError', 'interrupted'],
    files: ['out      --out DIR: sheet-N.pdf, guide.pdf, checklist.pdf, kit.json (all 0600)'],
    docs: ['docs/format.md', 'docs/threat-model.md'],
  },
  'kit verify': {
    about: ['Checks one share on its own, from a text file, a sheet PDF or a photo of the sheet; reveals nothing secret.'],
    examples: [
      { command: 'drkit kit verify sheet-3.pdf', does: 'valid share 3 of 5 of kit 7QF2-9KXA' },
      { command: 'drkit kit verify photo.jpg', does: 'the same from a phone photo' },
    ],
    exits: ['ok', 'checkFailed', 'userError'],
    docs: ['docs/format.md'],
  },
  'kit print': {
    about: [
      'Sends the sheets, the guide and the checklist to a CUPS printer (lp). Use a printer at home, not a shared or',
      'cloud printer that keeps a copy of each job. Then checks a photo of one printed sheet and offers to delete the PDFs.',
    ],
    examples: [{ command: 'drkit kit print ~/kit', does: 'print the kit in ~/kit' }],
    exits: ['ok', 'checkFailed', 'userError', 'toolError'],
    docs: ['docs/format.md'],
  },
  recover: {
    about: [
      'Combines k shares (typed with each line checked as it is entered, or from text files, sheet PDFs or photos),',
      'checks them, opens the envelope, then writes the credentials (0600) and/or restores a snapshot.',
    ],
    examples: [
      { command: 'drkit recover --restore-to ~/restore', does: 'type the shares, then restore' },
      { command: 'drkit recover --from a.jpg b.jpg c.jpg --envelope a.jpg --out bundle.env', does: 'from photos, write the shell file' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'toolError', 'interrupted'],
    docs: ['docs/format.md'],
  },
  drill: {
    about: [
      'A simulated clean-room restore: in a sandbox holding only k sheets and the guide, it follows the printed guide',
      'to the letter (and, apart, drkit recover), restores, and proves the data matches the source. The result is',
      'recorded; drkit status flags a drill older than drill.maxAge. A guide that no drill has executed is not trusted.',
      'With --live, a person holding the real sheets drills on any computer with drkit (no config, no source) and',
      'brings back a certificate; drkit drill --record CERT enters it into the owner\'s status file.',
    ],
    examples: [
      { command: 'drkit drill', does: 'both paths, a random set of k sheets' },
      { command: 'drkit drill --via guide --sheets 1,3,4 --sample 200', does: 'the printed path with sheets 1, 3, 4, 200 files' },
      { command: 'zbarcam --raw | drkit drill --live --stdin', does: 'a live drill from the sheets\' QR codes; writes drill-certificate-KIT.txt and .pdf' },
      { command: 'drkit drill --live --sample all --restore-to /media/ann/DISK/drill', does: 'a live drill of everything, restored onto an external disk (removed at the end)' },
      { command: 'drkit drill --record drill-certificate-XXXX-XXXX.pdf', does: 'enter a live drill\'s certificate (of the current kit only)' },
    ],
    exits: ['ok', 'checkFailed', 'userError', 'toolError', 'interrupted'],
    files: STATE_FILES,
    docs: ['docs/drills.md', 'docs/json-output.md'],
  },
  demo: {
    about: [
      'The whole job on local stand-ins: sample data, rclone serve restic on 127.0.0.1 instead of B2, a folder as',
      'the onsite disk; then init, both backups, a 3-of-5 kit and a drill by both paths. Nothing of yours is read.',
    ],
    examples: [
      { command: 'drkit demo', does: 'run it in a temporary folder, removed at the end' },
      { command: 'drkit demo --dir ~/drkit-demo', does: 'keep everything there: sheets, guide, config, status' },
    ],
    exits: ['ok', 'userError', 'toolError', 'interrupted'],
    docs: ['README.md'],
  },
};

/** Words wrapped at spaces to lines of at most `width` characters (an 80-column terminal). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) { lines.push(line); line = word; } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The text commander prints after the options of `command` ("kit create" for a subcommand). */
export function manualText(command: string): string {
  const page = MANUAL[command];
  if (page === undefined) return '';
  const lines: string[] = ['', ...wrap(page.about.join(' '), 80), '', 'Examples:'];
  for (const example of page.examples) lines.push(`  $ ${example.command}`, ...wrap(example.does, 74).map((l) => `      ${l}`));
  lines.push('', 'Exit codes:');
  for (const name of page.exits) lines.push(`  ${String(ExitCode[name]).padStart(3)}  ${EXIT_MEANING[name]}`);
  if (page.files !== undefined) lines.push('', 'Files:', ...page.files.map((line) => `  ${line}`));
  lines.push('', ...wrap(`Docs: ${page.docs.join(', ')}`, 80));
  return lines.join('\n');
}
