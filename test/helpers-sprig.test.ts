import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { TemplateSet } from '../src/core/templates.js';
import { REPO } from './helpers.js';

// strata's helpers against Go text/template + sprig (what Helm gives charts). test/sprig/cases.json holds each
// case in both spellings: `go` (rendered by test/sprig/main.go as {{ toJson (EXPR) }}) and `hbs` (rendered here
// by strata's real template engine as {{b64enc (toJson (EXPR))}}, base64 so that any value survives strata's
// raw-output checks). The values are compared, not Go's printing of them. test/sprig/expected.json is Go's
// output, committed so this test checks without Go; when Go is installed, a fresh Go run must equal it
// (`bash test/sprig/run.sh --update` regenerates it). A case may carry `strata`: where strata differs from
// sprig on purpose (an error instead of `%!s(int=3)` text, YAML-valid squote), with the reason.

interface Case {
  name: string;
  go: string;
  hbs: string;
  data?: Record<string, unknown>;
  /** "yaml": the value is YAML text, compared as data; "yaml-list": a list of YAML texts. */
  compare?: 'yaml' | 'yaml-list';
  strata?: { out?: string; error?: string; why: string };
}
interface Result {
  out?: string;
  error?: string;
}

const DIR = join(REPO, 'test', 'sprig');
const table = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  data: Record<string, unknown>;
  cases: Case[];
};
const expectedText = readFileSync(join(DIR, 'expected.json'), 'utf8');
const expected = JSON.parse(expectedText) as Record<string, Result>;

function renderStrata(c: Case): Result {
  const path = 'case.yaml.hbs';
  const set = new TemplateSet(
    [{ path, kind: 'template', name: path }],
    new Map([[path, `{{b64enc (toJson (${c.hbs}))}}`]]),
  );
  try {
    const text = set.render(path, structuredClone(c.data ?? table.data), {
      template: path,
      emitted: [],
      log: () => {},
    });
    return { out: Buffer.from(text, 'base64').toString('utf8') };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function comparable(c: Case, json: string): unknown {
  const v = JSON.parse(json) as unknown;
  if (c.compare === 'yaml') return parseYaml(v as string);
  if (c.compare === 'yaml-list') return (v as string[]).map((x) => parseYaml(x));
  return v;
}

/** The helpers issue 16 lists: each must appear in at least one case. */
const LISTED =
  `printf upper lower title untitle trim trimAll trimPrefix trimSuffix replace contains hasPrefix hasSuffix repeat
  substr trunc nospace abbrev squote quote indent nindent wrap snakecase kebabcase camelcase splitList split join toString cat
  default empty coalesce ternary required fail and or not eq ne lt le gt ge int int64 float64 add add1 sub mul div mod max min
  floor ceil round list dict get hasKey keys values pick omit merge mergeOverwrite deepCopy append prepend concat first last
  rest initial uniq compact has without sortAlpha reverse until untilStep toYaml fromYaml toJson fromJson toPrettyJson b64enc
  b64dec sha256sum sha1sum adler32sum regexMatch regexFind regexFindAll regexReplaceAll regexReplaceAllLiteral regexSplit
  semverCompare semver`.split(/\s+/);

describe('helpers against Go text/template + sprig (test/sprig)', () => {
  it('every case has a Go result, and every listed helper has cases', () => {
    const names = table.cases.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'case names are unique');
    assert.deepEqual(
      Object.keys(expected).sort(),
      [...names].sort(),
      'expected.json matches cases.json: run bash test/sprig/run.sh --update',
    );
    const used = new Set(table.cases.flatMap((c) => c.hbs.match(/[A-Za-z][A-Za-z0-9]*/g) ?? []));
    assert.deepEqual(
      LISTED.filter((h) => !used.has(h)),
      [],
      'helpers without a case',
    );
  });

  for (const c of table.cases) {
    it(c.name, () => {
      const want = expected[c.name];
      const got = renderStrata(c);
      if (c.strata?.error !== undefined || (want.error !== undefined && c.strata?.out === undefined)) {
        assert.ok(
          got.error !== undefined,
          `strata should fail like ${c.strata ? 'its override says' : 'Go'} (Go: ${JSON.stringify(want)}), got ${JSON.stringify(got.out)}`,
        );
        if (c.strata?.error)
          assert.ok(
            got.error.includes(c.strata.error),
            `error ${JSON.stringify(got.error)} should mention ${JSON.stringify(c.strata.error)}`,
          );
        assert.doesNotMatch(got.error, /\n/, 'a one-line error');
        return;
      }
      assert.equal(got.error, undefined, `strata failed: ${got.error}`);
      const wantJson = c.strata?.out ?? want.out!;
      assert.deepEqual(
        comparable(c, got.out!),
        comparable(c, wantJson),
        `strata ${got.out} vs ${c.strata ? 'override' : 'Go'} ${wantJson}`,
      );
    });
  }
  // The fresh Go run (Go + Debian's sprig must still give expected.json) is test/sprig/run.sh, which .ci/run runs.
});
