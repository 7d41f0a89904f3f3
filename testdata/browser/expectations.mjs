// What a person should see in the tour notebook once it has run, checked
// on the rendered page. Each check finds the cell by its source and looks at
// the output as rendered (text as shown, elements present), not at the
// notebook's JSON.

// A rendered cell, as collected from the page by notebook.test.mjs:
// { index, source, tags, prompt, text, html, errors, classes }
// where text is the output area's innerText, html its innerHTML, errors the
// number of error outputs and classes the CSS classes found in the outputs.

export const tourChecks = [
  {
    what: 'ParallelCollect of (1 to: 1000) * 10 shows its values',
    cell: (c) => /ParallelCollect/.test(c.source) && /\*\s*10\b/.test(c.source),
    check: (c) => /\b1000 results: 10 20 \.\.\. 10000\b/.test(c.text) || `output does not show 1000 results: 10 20 ... 10000: ${short(c.text)}`,
  },
  {
    what: 'CreateMirror removes the spaces of each string',
    cell: (c) => /CreateMirror/.test(c.source) && /foo bar zork/.test(c.source),
    check: (c) => (c.text.includes('foobarzork') && c.text.includes('12345')) || `output lacks foobarzork/12345: ${short(c.text)}`,
  },
  {
    what: 'an HTML display renders as HTML',
    cell: (c) => /display\.HTML|\bHTML\(/.test(c.source) && !c.tags.includes('raises-exception'),
    check: (c) => c.classes.includes('output_html') && /<(b|strong|em|table|span|div|h\d|p)\b/i.test(c.html) || `no rendered HTML output: ${short(c.html)}`,
  },
  {
    what: 'a cell\'s trailing value is its Out[n] (sum of the points\' norms)',
    cell: (c) => /\ntotal\s*$/.test(c.source),
    check: (c) => /Out\[\d+\]:\s*21\b/.test(c.text) || `no Out[n]: 21: ${short(c.text)}`,
  },
  {
    what: 'a slice of structs as a result is an HTML table',
    cell: (c) => /^points\s*$/.test(c.source),
    check: (c) => /<table/i.test(c.html) && /<td[^>]*>\s*-3\s*<\/td>/.test(c.html) || `no table with -3: ${short(c.html)}`,
  },
  {
    what: 'Markdown is rendered',
    cell: (c) => /display\.Markdown\(/.test(c.source),
    check: (c) => /<strong>Markdown<\/strong>/.test(c.html) || `no <strong>Markdown</strong>: ${short(c.html)}`,
  },
  {
    what: 'a failed cell changes nothing: the session goes on',
    cell: (c) => /fmt\.Println\(greeting, len\(tens\), tens\[999\]\)/.test(c.source),
    check: (c) => c.text.includes('HELLO 1000 10000') || `output: ${short(c.text)}`,
  },
  {
    what: 'a progress bar is drawn and reaches its total',
    cell: (c) => c.classes.includes('dmirror-progress'),
    check: (c) => /(\d+)\/\1 \(100%\)/.test(c.text) || `progress bar not complete: ${short(c.text)}`,
  },
  {
    what: 'a failed worker is shown with its frames',
    cell: (c) => c.classes.includes('dm-fail'),
    check: (c) => (c.tags.includes('raises-exception') && c.errors > 0) || `failed-worker cell is not a tagged failing cell (tags ${c.tags}, ${c.errors} errors)`,
  },
];

// Cells that must (tagged raises-exception) or must not fail, by what the
// page shows and by the kernel's execute_reply for the cell.
export function errorCheck(c, reply) {
  const expected = c.tags.includes('raises-exception');
  if (expected && (c.errors === 0 || reply === 'ok')) return `cell ${c.index} is tagged raises-exception but shows no error (reply ${reply})`;
  if (!expected && (c.errors > 0 || reply !== 'ok')) return `cell ${c.index} failed (reply ${reply}): ${short(c.text)}`;
  return true;
}

// What to type for the interrupt test, per kernel: a value to keep, a
// loop that never ends, and a cell that uses the value afterwards.
export const interruptProfiles = {
  dmirror: { keep: 'kept := 41', loop: 'for {}', after: 'kept + 1', want: '42' },
  python3: { keep: 'kept = 41', loop: 'while True: pass', after: 'kept + 1', want: '42' },
};

export function short(s, n = 300) {
  s = String(s).replace(/\s+/g, ' ').trim();
  return s.length > n ? s.slice(0, n) + '…' : s;
}
