/**
 * The model of Splunk that ta-cim.test.ts relies on behaves as Splunk documents it, and refuses
 * what it does not model (so the add-on's test cannot pass on something it did not evaluate).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyProps, evaluate, extractJson, type Fields, matchesSearch, parseConfFile } from './spl.js';

test('.conf syntax: default stanza, continuation, # only as a whole-line comment, last value wins', () => {
  const { stanzas, duplicates } = parseConfFile(
    [
      'top = 1',
      '# a comment',
      '[source::...audit.ndjson]',
      'TIME_PREFIX = "time":"',
      '[sshtrail:audit]',
      'EVAL-a = if(x=="1", \\',
      '  "one", "other")',
      'desc = a # not a comment',
      'desc = twice',
    ].join('\n'),
  );
  assert.equal(stanzas.get('default')?.get('top'), '1');
  assert.equal(stanzas.get('source::...audit.ndjson')?.get('TIME_PREFIX'), '"time":"');
  assert.equal(stanzas.get('sshtrail:audit')?.get('EVAL-a'), 'if(x=="1", \n  "one", "other")');
  assert.equal(stanzas.get('sshtrail:audit')?.get('desc'), 'twice');
  assert.deepEqual(duplicates, ['[sshtrail:audit] desc']);
});

test('KV_MODE=json names: dotted objects, {} arrays as multivalue, arrays of objects', () => {
  const f = extractJson({ a: { b: 1 }, argv: ['ls', '-l'], xs: [{ k: 'v' }, { k: 'w' }], t: true });
  assert.equal(f.get('a.b'), '1');
  assert.deepEqual(f.get('argv{}'), ['ls', '-l']);
  assert.deepEqual(f.get('xs{}.k'), ['v', 'w']);
  assert.equal(f.get('t'), 'true');
});

test('FIELDALIAS AS replaces or removes, ASNEW keeps; EVALs all see the fields before any EVAL', () => {
  const input: Fields = new Map([
    ['a', '1'],
    ['b', 'old'],
    ['d', 'kept'],
  ]);
  const out = applyProps(
    new Map([
      ['FIELDALIAS-x', 'a AS b missing AS c a ASNEW d'],
      ['EVAL-e', 'b . "!"'],
      ['EVAL-b', '"changed"'],
      ['EVAL-f', 'b'],
    ]),
    new Map([...input, ['c', 'gone']]),
  );
  assert.equal(out.get('b'), 'changed');
  assert.equal(out.has('c'), false, 'AS with no source removes the alias (Splunk 7.2.4+)');
  assert.equal(out.get('d'), 'kept');
  assert.equal(out.get('e'), '1!', 'aliases come before evals');
  assert.equal(out.get('f'), '1', 'an EVAL does not see another EVAL');
});

test('eval: numbers compare as numbers, null comparisons are unknown, unmodelled functions are errors', () => {
  const f: Fields = new Map([
    ['n', '10'],
    ['s', 'abc'],
  ]);
  assert.equal(evaluate('if(n>9, "y", "n")', f), 'y');
  assert.equal(evaluate('if(missing>0, "y", "n")', f), 'n');
  assert.equal(evaluate('if(NOT (missing>0), "y", "n")', f), 'n', 'NOT unknown is unknown');
  assert.equal(evaluate('case(missing>0 OR n==10, "y")', f), 'y');
  assert.equal(evaluate('coalesce(missing, s)', f), 'abc');
  assert.throws(() => evaluate('lower(s)', f), /lower\(\) is not modelled/);
  assert.throws(() => evaluate('n>1', f), /boolean/);
});

test('eventtype searches: field=value (case-insensitive, * wildcard), OR, NOT, parentheses, tags', () => {
  const f: Fields = new Map([
    ['type', 'session.forward'],
    ['action', 'Allowed'],
  ]);
  assert.ok(matchesSearch('type="session.forward" (action="allowed" OR action="blocked")', f));
  assert.ok(!matchesSearch('type="session.forward" NOT action=allowed', f));
  assert.ok(matchesSearch('type=session.* tag=network', f, new Set(['network'])));
  assert.ok(!matchesSearch('user=*', f));
});
