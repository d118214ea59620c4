import { UserError } from '../errors.js';

// People arrive from Helm: a template written in Go template syntax gets "this is Go template (Helm) syntax;
// in strata write …" with the strata spelling of what was found, instead of the Handlebars parser's token
// list (docs/templates.md has the full table). The template text is code, not values; still, only the
// translated spelling is printed, not the source line.

const HINT = '; see docs/templates.md (to print "{{" literally, write "\\{{")';

/** The first Go template construct in a template, as a UserError at its line, if any. */
export function findGoSyntax(text: string, file: string): UserError | undefined {
  if (!text.includes('{{')) return undefined;
  const re = /\{\{(-?)([\s\S]*?)(-?)\}\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    // `\{{ … }}` is Handlebars' escape: printed literally (Prometheus alert rules in a ConfigMap), never a tag.
    if (m.index > 0 && text[m.index - 1] === '\\' && (m.index < 2 || text[m.index - 2] !== '\\')) continue;
    const [, trimL, body, trimR] = m;
    const inner = body.trim();
    const go = classify(inner, trimL === '-' && /^\s/.test(body), trimR === '-' && /\s$/.test(body));
    if (go) {
      const line = 1 + countNewlines(text, m.index);
      return new UserError(`this is Go template (Helm) syntax (${go}); in strata write ${toStrata(inner)}${HINT}`, {
        file,
        line,
      });
    }
  }
  return undefined;
}

/** For a Go keyword Handlebars parsed as a name (`{{end}}`, `{{range …}}`). */
export function goKeywordError(name: string, file: string, line: number): UserError {
  return new UserError(`this is Go template (Helm) syntax (\`${name}\`); in strata write ${toStrata(name)}${HINT}`, {
    file,
    line,
  });
}

function classify(inner: string, trimL: boolean, trimR: boolean): string | undefined {
  if (inner.startsWith('/*')) return 'a Go comment';
  const code = inner.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""');
  const word = /^([a-z]+)\b/.exec(code)?.[1];
  if (word && ['define', 'range', 'end', 'template', 'block'].includes(word)) return `\`${word}\``;
  if ((word === 'if' || word === 'with') && /^[a-z]+\s/.test(code)) return `\`${word}\` without \`#\``;
  if (trimL || trimR) return '`{{-`/`-}}` whitespace trimming';
  if (/(?:^|[\s(])\.[A-Za-z]/.test(code)) return 'a `.Field` lookup';
  if (/^\$/.test(code) || /(^|\s)\$[A-Za-z_]*\s*:?=/.test(code)) return 'a `$` variable';
  if (/[^\s|]\s*\|\s*[A-Za-z]/.test(code) && !/\bas\s*\|/.test(code)) return 'a `|` pipeline';
  return undefined;
}

/** The strata spelling of a Go template action (best effort, for the error message). */
export function toStrata(inner: string): string {
  // A Go comment's text is the author's, not a construct: the spelling, with its text left out.
  if (inner.startsWith('/*')) return '{{!-- … --}}';
  const words = tokens(inner);
  const head = words[0] ?? '';
  const rest = words.slice(1);
  switch (head) {
    case 'define':
      return `{{#*inline ${rest[0] ?? '"name"'}}}…{{/inline}} in a _*.hbs file (shared by every template of the app)`;
    case 'end':
      return '{{/if}}, {{/each}} or {{/with}} (the block it closes)';
    case 'range': {
      const assign = rest.indexOf(':=');
      if (assign >= 0) {
        const vars = rest
          .slice(0, assign)
          .map((v) => v.replace(/[$,]/g, ''))
          .filter(Boolean);
        const params = vars.length === 2 ? `${vars[1]} ${vars[0]}` : vars.join(' ');
        return `{{#each ${argument(rest.slice(assign + 1))} as |${params}|}}…{{/each}}`;
      }
      return `{{#each ${argument(rest)}}}…{{/each}} (inside, "this" is the item)`;
    }
    case 'if':
    case 'with':
      return `{{#${head} ${argument(rest)}}}…{{/${head}}}`;
    case 'else':
      return rest[0] === 'if' ? `{{else if ${argument(rest.slice(1))}}}` : '{{else}}';
    case 'template':
      return `{{> ${unquote(rest[0] ?? 'name')}}} or {{include ${rest[0] ?? '"name"'} ${term(rest[1] ?? '.')}}}`;
    case 'block':
      return `{{#*inline ${rest[0] ?? '"name"'}}}…{{/inline}} and {{> ${unquote(rest[0] ?? 'name')}}}`;
    default: {
      const assign = words.indexOf(':=') >= 0 ? words.indexOf(':=') : words.indexOf('=');
      if (assign > 0 && words[0].startsWith('$')) {
        return `{{#with ${argument(words.slice(assign + 1))} as |${words[0].slice(1)}|}}…{{/with}} (no variables in Handlebars; block parameters instead)`;
      }
      return `{{${pipeline(words)}}}`;
    }
  }
}

/**
 * A pipeline as the one argument of a block (`#if`, `#with`, `#each`, `else if`): a helper call must be a
 * subexpression there (`{{#if (and a b)}}`), since `{{#if and a b}}` hands `#if` three arguments.
 */
function argument(words: readonly string[]): string {
  const p = pipeline(words);
  return /\s/.test(p) && !isOneGroup(p) ? `(${p})` : p;
}

/** `(…)` whose opening parenthesis closes at the very end (string literals skipped). */
function isOneGroup(p: string): boolean {
  if (!p.startsWith('(')) return false;
  let depth = 0;
  const code = p.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '(') depth++;
    else if (code[i] === ')' && --depth === 0) return i === code.length - 1;
  }
  return false;
}

/** `a x | f y | g` -> `g (f y (a x))`: a Go pipeline passes its value as the last argument. */
function pipeline(words: readonly string[]): string {
  const stages: string[][] = [[]];
  for (const w of words) {
    if (w === '|') stages.push([]);
    else stages[stages.length - 1].push(w);
  }
  let acc = '';
  for (const stage of stages) {
    const parts = stage.map((w) => (w === '(' || w === ')' ? w : term(w)));
    const call = parts.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
    if (!acc) acc = call;
    else acc = `${call} ${parts.length + (acc.includes(' ') ? 1 : 0) > 0 && acc.includes(' ') ? `(${acc})` : acc}`;
  }
  return acc;
}

/** `.Values.a` -> `values.a`, `.` -> `this`, `$` -> `@root`, `$x` -> `x`. */
function term(w: string): string {
  if (w.startsWith('"') || w.startsWith('`') || /^[-0-9]/.test(w))
    return w.startsWith('`') ? JSON.stringify(w.slice(1, -1)) : w;
  if (w === '.') return 'this';
  if (w === '$') return '@root';
  let root = '';
  let p = w;
  if (p.startsWith('$.')) {
    root = '@root.';
    p = p.slice(1);
  } else if (p.startsWith('$')) return p.slice(1);
  if (!p.startsWith('.')) return w;
  const parts = p.slice(1).split('.');
  const [first, second] = parts;
  let mapped: string;
  if (first === 'Values') mapped = ['values', ...parts.slice(1)].join('.');
  else if (first === 'Release' && second === 'Namespace') mapped = 'app.namespace';
  else if (first === 'Release' && second === 'Name') mapped = 'app.name';
  else if (first === 'Chart' && second === 'Name') mapped = 'app.name';
  else if (first === 'Capabilities' && second === 'KubeVersion') mapped = 'capabilities.kubeVersion';
  else if (first === 'Capabilities' && second === 'APIVersions' && parts[2] === 'Has') mapped = 'apiVersionAvailable';
  else if (first === 'Capabilities' && second === 'APIVersions') mapped = 'capabilities.apiVersions';
  else if (first === 'Files' && second === 'Get') mapped = 'file';
  else mapped = parts.map((x, i) => (i === 0 ? lowerFirst(x) : x)).join('.');
  return root + mapped;
}

function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}

function unquote(s: string): string {
  return s.replace(/^"|"$/g, '');
}

function tokens(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|`[^`]*`|:=|\||\(|\)|[^\s|()]+/g) ?? [];
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0 && i < end; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
