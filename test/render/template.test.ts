import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InternalError } from '../../src/errors.js';
import { fillString, fillTemplate, parseBlocks } from '../../src/render/template.js';

test('placeholders are replaced; an unknown one is an error, not printed', () => {
  assert.equal(fillString('Hello {{owner}}, kit {{ kitId }}', { owner: 'Ann', kitId: 'ABCD-EFGH' }), 'Hello Ann, kit ABCD-EFGH');
  assert.throws(() => fillString('{{ownr}}', { owner: 'Ann' }), (error: unknown) => error instanceof InternalError && /unknown placeholder \{\{ownr\}\}/.test(error.message));
});

test('conditionals keep or drop lines; editor notes vanish; a multi-line value becomes lines', () => {
  const source = ['<!-- a note -->', '{{#if onsite}}', 'onsite: {{onsite}}', '{{/if}}', '{{#unless onsite}}', 'no onsite', '{{/unless}}', '{{cmds}}'].join('\n');
  assert.equal(fillTemplate(source, { onsite: 'USB disk', cmds: '$ a\n$ b' }), 'onsite: USB disk\n$ a\n$ b');
  assert.equal(fillTemplate(source, { onsite: undefined, cmds: '' }), 'no onsite\n');
  assert.throws(() => fillTemplate('{{#if x}}\nA', { x: true }), /never closed/);
  assert.throws(() => fillTemplate('{{#if nope}}\n{{/if}}', {}), /unknown condition/);
});

test('blocks: headings, steps with continuation, bullets, commands, alternatives, verbatim, tables, inserts', () => {
  const blocks = parseBlocks([
    '# Title', '', 'Some `prose` here', 'continues.', '1. First step', '   goes on.', '- a **bullet**', '$ restic snapshots',
    'or: $ zbarimg --raw photo.png', '    verbatim  line', '| a | b \\| c |', '|---|---|', '{{> listing}}', '{{pagebreak}}',
  ].join('\n'));
  assert.deepEqual(blocks, [
    { kind: 'heading', level: 1, text: 'Title' },
    { kind: 'space' },
    { kind: 'para', text: 'Some prose here continues.' },
    { kind: 'step', label: '1.', text: 'First step goes on.' },
    { kind: 'bullet', text: 'a bullet' },
    { kind: 'command', text: '$ restic snapshots' },
    { kind: 'alt-command', label: 'or', text: '$ zbarimg --raw photo.png' },
    { kind: 'mono', text: 'verbatim  line' },
    { kind: 'table-row', cells: ['a', 'b | c'] },
    { kind: 'insert', name: 'listing' },
    { kind: 'pagebreak' },
  ]);
});

